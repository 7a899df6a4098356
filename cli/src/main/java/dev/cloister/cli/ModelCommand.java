package dev.cloister.cli;

import dev.cloister.cleanroom.contract.SignedContract;
import dev.cloister.cleanroom.output.SealedOutput;
import dev.cloister.cleanroom.workload.PooledLogisticRegression;
import dev.cloister.cleanroom.workload.Table;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "model", mixinStandardHelpOptions = true, description = "Open the job's sealed output with your key and use it.",
    subcommands = {ModelCommand.Decrypt.class, ModelCommand.Evaluate.class})
final class ModelCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Missing inputs are usage errors (2); a file that does not open with this key and contract is a rejection (1). */
  static SealedOutput open(Path in, Path keys, String party, Path contract) throws Exception {
    String digest = ContractCommand.load(contract).contract().digestHex();
    if (!Files.isRegularFile(in)) {
      throw new UsageException("--in " + in + ": no such file");
    }
    if (!Files.isRegularFile(keys.resolve(party + ".hpke.json"))) {
      throw new UsageException("--keys " + keys + " holds no key for party '" + party + "' (" + party + ".hpke.json)");
    }
    try {
      return SealedOutput.open(in, keys, party, digest);
    } catch (SealedOutput.CannotOpenException e) {
      throw new FailedException(e.getMessage()); // wrong key, another contract, or a changed file: the output is refused
    }
  }

  static final String EXIT_REJECTED = "1:refused: the file does not open with your key for this contract (wrong key or contract, or the file was changed)";

  @Command(name = "decrypt", mixinStandardHelpOptions = true, description = "Write the model (Tribuo protobuf) and print the metrics.",
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:opened", EXIT_REJECTED, "2:usage error"})
  static final class Decrypt implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--in", required = true, paramLabel = "F") Path in;
    @Option(names = "--keys", required = true, paramLabel = "DIR") Path keys;
    @Option(names = "--party", required = true) String party;
    @Option(names = "--contract", required = true, paramLabel = "F") Path contract;
    @Option(names = "--out", required = true, paramLabel = "MODEL_FILE") Path out;

    @Override
    public Integer call() throws Exception {
      SealedOutput o = open(in, keys, party, contract);
      Files.write(out, o.model());
      Output.json(spec.commandLine().getOut(), Map.of("contract_digest", o.contractDigest(), "metrics", o.metrics(), "pooled", o.pooledMetrics(),
          "model", out.toString()));
      return ExitCodes.OK;
    }
  }

  @Command(name = "evaluate", mixinStandardHelpOptions = true, description = "Score the pooled model on your own records (CSV).",
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:scored", EXIT_REJECTED, "2:usage error"})
  static final class Evaluate implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--in", required = true, paramLabel = "F") Path in;
    @Option(names = "--keys", required = true, paramLabel = "DIR") Path keys;
    @Option(names = "--party", required = true) String party;
    @Option(names = "--contract", required = true, paramLabel = "F") Path contract;
    @Option(names = "--data", required = true, paramLabel = "CSV") Path data;
    @Option(names = "--held-out-only", description = "Only your held-out split (as the job evaluated).") boolean heldOut;

    @Override
    public Integer call() throws Exception {
      SealedOutput o = open(in, keys, party, contract);
      Table t;
      try (InputStream s = Files.newInputStream(data)) {
        t = Table.readCsv(s, data.toString());
      }
      PooledLogisticRegression.Metrics m = o.evaluate(party, t, heldOut);
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("rows", m.testRows());
      r.put("auc", m.auc());
      r.put("accuracy", m.accuracy());
      Output.json(spec.commandLine().getOut(), r);
      return ExitCodes.OK;
    }
  }
}
