package dev.cloister.cli;

import dev.cloister.broker.admin.AdminClient;
import dev.cloister.cleanroom.contract.Contract;
import dev.cloister.cleanroom.contract.ContractException;
import dev.cloister.cleanroom.contract.PartyKeys;
import dev.cloister.cleanroom.contract.SignedContract;
import dev.cloister.cleanroom.dataset.DatasetCipher;
import dev.cloister.cleanroom.job.ReleasePolicy;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "contract", mixinStandardHelpOptions = true,
    description = "The agreement between parties: datasets, workload measurement, recipients, output policy; signed by every party.",
    subcommands = {ContractCommand.Keygen.class, ContractCommand.Init.class, ContractCommand.Sign.class, ContractCommand.Verify.class,
        ContractCommand.Show.class, ContractCommand.Bind.class})
final class ContractCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static SignedContract load(Path f) throws ContractException {
    return SignedContract.parse(Inputs.read(f));
  }

  @Command(name = "keygen", mixinStandardHelpOptions = true, description = "Create a party's keys: Ed25519 (signs contracts) and HPKE (receives outputs).")
  static final class Keygen implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--keys", required = true, paramLabel = "DIR") Path keys;
    @Option(names = "--party", required = true, paramLabel = "NAME") String party;

    @Override
    public Integer call() throws Exception {
      PartyKeys.generate(keys, party);
      spec.commandLine().getOut().println("keys for " + party + " in " + keys + " (private files mode 0600)");
      return ExitCodes.OK;
    }
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Write an unsigned contract. Every party receives the output.",
          "--party NAME=BROKER_URL (its public keys are read from --keys DIR); --dataset PARTY=NAME=CIPHERTEXT_FILE."})
  static final class Init implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--out", required = true, paramLabel = "F") Path out;
    @Option(names = "--name", required = true) String name;
    @Option(names = "--measurement", paramLabel = "HEX", description = "The workload's expected launch measurement (48 bytes).") String measurement;
    @Option(names = "--reference-value", paramLabel = "NAME", description = "Instead of --measurement: a signed reference value each broker holds.") String referenceValue;
    @Option(names = "--workload", defaultValue = "pooled-logistic-regression") String workload;
    @Option(names = "--workload-version", defaultValue = "1") String workloadVersion;
    @Option(names = "--keys", required = true, paramLabel = "DIR") Path keys;
    @Option(names = "--party", required = true, paramLabel = "NAME=URL") List<String> parties;
    @Option(names = "--dataset", required = true, paramLabel = "PARTY=NAME=FILE") List<String> datasets;
    @Option(names = "--columns", paramLabel = "C1,C2,...", description = "Default: the synthetic readmission columns.") String columns;
    @Option(names = "--label", defaultValue = "readmitted") String label;

    @Override
    public Integer call() throws Exception {
      List<Contract.Party> ps = new ArrayList<>();
      List<Contract.Recipient> rs = new ArrayList<>();
      for (String p : parties) {
        String[] kv = p.split("=", 2);
        if (kv.length != 2) {
          throw new UsageException("--party " + p + ": expected NAME=BROKER_URL");
        }
        ps.add(new Contract.Party(kv[0], PartyKeys.signingKeyText(keys, kv[0]), kv[1]));
        rs.add(new Contract.Recipient(kv[0], PartyKeys.hpkePublicText(keys, kv[0])));
      }
      List<String> cols = columns != null ? Arrays.asList(columns.split(",")) : dev.cloister.cleanroom.synthetic.PatientRecords.COLUMNS;
      List<Contract.Dataset> ds = new ArrayList<>();
      for (String d : datasets) {
        String[] kv = d.split("=", 3);
        if (kv.length != 3) {
          throw new UsageException("--dataset " + d + ": expected PARTY=NAME=CIPHERTEXT_FILE");
        }
        String digest;
        try (InputStream in = Files.newInputStream(Path.of(kv[2]))) {
          digest = DatasetCipher.sha256(in);
        }
        ds.add(new Contract.Dataset(kv[0], kv[1], digest, cols, label, kv[1] + "/dataset/" + kv[1]));
      }
      if ((measurement == null) == (referenceValue == null)) {
        throw new UsageException("give exactly one of --measurement and --reference-value");
      }
      Contract c = new Contract(1, name, ps, ds, new Contract.Workload(workload, workloadVersion,
          measurement == null ? null : measurement.toLowerCase(java.util.Locale.ROOT), referenceValue),
          rs, new Contract.OutputPolicy(List.of("model", "metrics"), false));
      try {
        c.validate();
      } catch (ContractException e) {
        throw new UsageException(e.getMessage());
      }
      Files.write(out, SignedContract.unsigned(c).toJson());
      spec.commandLine().getOut().println("contract " + c.digestHex() + " written to " + out + " (unsigned)");
      return ExitCodes.OK;
    }
  }

  @Command(name = "sign", mixinStandardHelpOptions = true, description = "Add your signature (Ed25519 over the contract digest), in place.")
  static final class Sign implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--contract", required = true, paramLabel = "F") Path file;
    @Option(names = "--party", required = true) String party;
    @Option(names = "--keys", required = true, paramLabel = "DIR") Path keys;

    @Override
    public Integer call() throws Exception {
      SignedContract s = load(file).sign(party, PartyKeys.signingPrivate(keys, party), PartyKeys.signingPublic(keys, party));
      Files.write(file, s.toJson());
      spec.commandLine().getOut().println(party + " signed " + s.contract().digestHex() + " (" + s.signatures().size() + "/"
          + s.contract().parties().size() + " signatures)");
      return ExitCodes.OK;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true, description = "A contract counts only with every party's valid signature.",
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:signed by every party", "1:not (the party and reason are named)", "2:usage error"})
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--contract", required = true, paramLabel = "F") Path file;
    @Option(names = "--json") boolean json;

    @Override
    public Integer call() {
      Map<String, Object> r = new LinkedHashMap<>();
      try {
        SignedContract s = load(file);
        r.put("digest", s.contract().digestHex());
        s.verify();
        r.put("verdict", "valid");
      } catch (ContractException e) {
        r.put("verdict", "invalid");
        r.put("reason", e.getMessage());
      }
      if (json) {
        Output.json(spec.commandLine().getOut(), r);
      } else {
        spec.commandLine().getOut().println(r.get("verdict").equals("valid") ? "VALID  " + r.get("digest") : "INVALID  " + r.get("reason"));
      }
      return r.get("verdict").equals("valid") ? ExitCodes.OK : ExitCodes.REJECTED;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Print the contract: parties, datasets, workload, signatures.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--contract", required = true, paramLabel = "F") Path file;
    @Option(names = "--json") boolean json;

    @Override
    public Integer call() throws Exception {
      SignedContract s = load(file);
      Contract c = s.contract();
      PrintWriter o = spec.commandLine().getOut();
      if (json) {
        Output.json(o, Map.of("digest", c.digestHex(), "contract", c, "signed_by", s.signatures().keySet()));
        return ExitCodes.OK;
      }
      o.println("contract  " + c.name() + "  digest " + c.digestHex());
      o.println("workload  " + c.workload().name() + " " + c.workload().version() + (c.workload().measurement() != null
          ? "  measurement " + c.workload().measurement() : "  reference value " + c.workload().referenceValue()));
      Output.table(o, List.of("PARTY", "BROKER", "SIGNED"),
          c.parties().stream().map(p -> List.of(p.name(), p.broker(), String.valueOf(s.signatures().containsKey(p.name())))).toList());
      Output.table(o, List.of("DATASET", "PARTY", "CIPHERTEXT SHA-256", "KEY RESOURCE"),
          c.datasets().stream().map(d -> List.of(d.name(), d.party(), d.ciphertextSha256(), d.keyResource())).toList());
      o.println("outputs   " + c.outputPolicy().outputs() + " to " + c.recipients().stream().map(Contract.Recipient::party).toList());
      return ExitCodes.OK;
    }
  }

  @Command(name = "bind", mixinStandardHelpOptions = true,
      description = {"Set your broker's release policy for your datasets in this contract: affirming evidence whose HOST_DATA",
          "is the contract digest and whose measurement is the contract's workload measurement (--tee tdx: MRCONFIGID and MRTD;",
          "--tee nitro: PCR16, the digest extended, and PCR0)."})
  static final class Bind implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--contract", required = true, paramLabel = "F") Path file;
    @Option(names = "--party", required = true) String party;
    @Option(names = "--broker", required = true, paramLabel = "URL") URI broker;
    @Option(names = "--admin-token", required = true, paramLabel = "F") Path adminToken;
    @Option(names = "--allow-simulated", description = "The broker runs with --allow-simulated (demonstrations only).") boolean simulated;
    @Option(names = "--tee", defaultValue = "snp", paramLabel = "snp|tdx|nitro", description = "The TEE family the job runs on (default ${DEFAULT-VALUE}).")
    String tee;

    @Override
    public Integer call() throws Exception {
      if (!List.of("snp", "tdx", "nitro").contains(tee)) {
        throw new UsageException("--tee must be one of snp, tdx, nitro");
      }
      SignedContract s = load(file);
      s.verify();
      AdminClient admin = new AdminClient(broker, Files.readString(adminToken).strip());
      String cel = ReleasePolicy.cel(s.contract(), tee, simulated);
      int n = 0;
      for (Contract.Dataset d : s.contract().datasets()) {
        if (d.party().equals(party)) {
          admin.putPolicy(d.keyResource(), cel);
          n++;
        }
      }
      spec.commandLine().getOut().println(n + " dataset key(s) of " + party + " bound: " + cel);
      return ExitCodes.OK;
    }
  }
}
