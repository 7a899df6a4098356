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

  static SealedOutput open(Path in, Path keys, String party, Path contract) throws Exception {
    try {
      return SealedOutput.open(in, keys, party, ContractCommand.load(contract).contract().digestHex());
    } catch (SealedOutput.CannotOpenException e) {
      throw new UsageException(e.getMessage());
    }
  }

  @Command(name = "decrypt", mixinStandardHelpOptions = true, description = "Write the model (Tribuo protobuf) and print the metrics.")
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

  @Command(name = "evaluate", mixinStandardHelpOptions = true, description = "Score the pooled model on your own records (CSV).")
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
