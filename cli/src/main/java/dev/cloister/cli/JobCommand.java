package dev.cloister.cli;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.tee.Context;
import dev.cloister.cleanroom.contract.SignedContract;
import dev.cloister.cleanroom.job.ConfidentialJob;
import dev.cloister.cleanroom.job.JobException;
import dev.cloister.cleanroom.job.ReceiptVerdict;
import dev.cloister.cleanroom.job.ReceiptVerifier;
import dev.cloister.cleanroom.workload.WorkloadBundle;
import dev.cloister.enclave.Platform;
import dev.cloister.enclave.Platforms;
import dev.cloister.enclave.tsm.ConfigfsTsm;
import dev.cloister.enclave.tsm.TsmPlatform;
import dev.cloister.enclave.simulated.SimulatedPlatforms;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "job", mixinStandardHelpOptions = true, description = "The confidential job (runs inside the TEE).",
    subcommands = {JobCommand.Run.class, JobCommand.VerifyReceipt.class})
final class JobCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = {"Attest to every party's broker with a fresh key per session, receive each data key, decrypt each dataset in memory,",
          "train, seal the model and metrics to each recipient (HPKE), and write an attested receipt.",
          "--platform auto (the default) uses the TEE this machine is, the first found of: configfs-tsm with a sev_guest or tdx_guest",
          "provider, /dev/sev-guest, /dev/nsm (AWS Nitro Enclaves), /dev/tpmrm0 with Azure's HCL report (Azure confidential VMs);",
          "on a machine with none it says so and exits 1. --platform configfs-tsm asks the kernel's configfs-tsm (Linux 6.7+, an SEV-SNP",
          "or TDX guest) for each report; sev-guest, nsm and azure-vtpm name one device; --platform simulated launches the simulated",
          "TEE (--tee snp, tdx or nitro) with the bundle's measurement (MEASUREMENT, MRTD, PCR0) and the contract digest (HOST_DATA,",
          "MRCONFIGID, PCR16)."},
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:outputs written",
          "1:refused or failed (party and reason named; nothing written), or no TEE found (--platform auto)", "2:usage error"})
  static final class Run implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--contract", required = true, paramLabel = "F") Path contract;
    @Option(names = "--bundle", required = true, paramLabel = "DIR") Path bundle;
    @Option(names = "--dataset", required = true, paramLabel = "NAME=FILE") List<String> datasets;
    @Option(names = "--platform", defaultValue = "auto", paramLabel = "auto|configfs-tsm|sev-guest|nsm|azure-vtpm|simulated",
        description = "The TEE to attest with (default: ${DEFAULT-VALUE}, the one this machine has).") String platform;
    @Option(names = "--tsm-root", paramLabel = "DIR", defaultValue = ConfigfsTsm.DEFAULT_ROOT,
        description = "configfs-tsm's report directory (default: ${DEFAULT-VALUE}).") Path tsmRoot;
    @Option(names = "--tee", defaultValue = "snp", paramLabel = "snp|tdx|nitro",
        description = "With --platform simulated: which simulated TEE (default ${DEFAULT-VALUE}).") String simulatedTee;
    @Option(names = "--platform-dir", paramLabel = "DIR", description = "Simulated platform state (default: $CLOISTER_HOME/simulated-platform).") Path platformDir;
    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;

    @Override
    public Integer call() throws Exception {
      SignedContract signed = ContractCommand.load(contract);
      Map<String, Path> files = new LinkedHashMap<>();
      for (String d : datasets) {
        String[] kv = d.split("=", 2);
        if (kv.length != 2) {
          throw new UsageException("--dataset " + d + ": expected NAME=FILE");
        }
        files.put(kv[0], Path.of(kv[1]));
      }
      if (platformDir != null && !platform.equals("simulated")) {
        throw new UsageException("--platform-dir goes with --platform simulated");
      }
      Platform tee = switch (platform) {
        case "simulated" -> {
          if (!SimulatedPlatforms.TEES.contains(simulatedTee)) {
            throw new UsageException("--tee must be one of " + String.join(", ", SimulatedPlatforms.TEES));
          }
          yield SimulatedPlatforms.launch(simulatedTee, platformDir != null ? platformDir : SimulatedPlatformDir.defaultDir(), Clock.systemUTC(),
              WorkloadBundle.measure(bundle).measurement(), Octets.copyOf(signed.contract().digest()));
        }
        case "configfs-tsm" -> open(() -> TsmPlatform.open(new ConfigfsTsm(tsmRoot)));
        case "sev-guest", "nsm", "azure-vtpm" -> open(Platforms.probes(tsmRoot).stream().filter(p -> p.name().equals(platform)).findFirst().orElseThrow().opener());
        case "auto" -> {
          List<Platforms.Probe> probes = Platforms.probes(tsmRoot);
          Optional<Platforms.Probe> found = Platforms.detect(probes);
          if (found.isEmpty()) {
            spec.commandLine().getErr().println("cloister: " + Platforms.noneFound(probes));
            yield null;
          }
          spec.commandLine().getErr().println("platform: " + found.get().name() + " at " + found.get().where());
          yield open(found.get().opener());
        }
        default -> throw new UsageException("--platform must be auto, configfs-tsm, sev-guest, nsm, azure-vtpm or simulated");
      };
      if (tee == null) {
        return ExitCodes.REJECTED;
      }
      try {
        ConfidentialJob.Outcome o = ConfidentialJob.run(new ConfidentialJob.Inputs(signed, bundle, files, tee, out),
            m -> spec.commandLine().getErr().println(m));
        spec.commandLine().getOut().println("outputs: " + o.outputs().values() + "; receipt: " + o.receipt());
        return ExitCodes.OK;
      } catch (JobException e) {
        spec.commandLine().getErr().println("cloister: job refused: " + e.getMessage());
        return ExitCodes.REJECTED;
      }
    }

    /**
     * Opens a TEE platform; its failure (a TsmException or MalformedEvidenceException naming the file
     * or field) is printed as the job's refusal and gives null, never a stack trace.
     */
    private Platform open(Platforms.Opener opener) {
      try {
        return opener.open();
      } catch (Exception e) {
        spec.commandLine().getErr().println("cloister: job refused: platform " + platform + ": " + e.getMessage());
        return null;
      }
    }
  }

  @Command(name = "verify-receipt", mixinStandardHelpOptions = true,
      description = "Check a job's receipt: its evidence (SEV-SNP, TDX or Nitro) verified (signature, chain to the vendor's roots, validity) and appraised (the default"
          + " policy: no debug guest, no simulated platform); REPORT_DATA (Nitro: user_data) = SHA-512 of the receipt (RFC 8785), HOST_DATA"
          + " (TDX: MRCONFIGID; Nitro: PCR16) = the contract's digest, MEASUREMENT (TDX: MRTD; Nitro: PCR0) = the receipt's and the contract's"
          + " workload measurement; the receipt names this contract, its dataset"
          + " owners and its recipients; each --output file is the sealed output whose digest the receipt holds.",
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:accepted", "1:rejected (the first failed check named)", "2:usage error"})
  static final class VerifyReceipt implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "RECEIPT", description = "The job's receipt.json.") Path receipt;
    @Option(names = "--contract", required = true, paramLabel = "F", description = "The signed contract the job ran.") Path contract;
    @Option(names = "--output", paramLabel = "PARTY=FILE", description = "A recipient's sealed output to check against the receipt (repeatable).")
    List<String> outputs = new ArrayList<>();
    @Option(names = "--at", paramLabel = "TIME", description = "Verify as of TIME (ISO-8601 or epoch seconds); default now.") String at;
    @Option(names = "--allow-simulated", description = "Trust the simulated platform's root and accept its evidence (never for real data).")
    boolean allowSimulated;
    @Option(names = "--platform", paramLabel = "DIR", description = "Simulated platform directory for --allow-simulated (default: $CLOISTER_HOME/simulated-platform).")
    Path platformDir;
    @Option(names = "--json", description = "Print the verdict as JSON.") boolean json;

    @Override
    public Integer call() throws Exception {
      byte[] bytes = Inputs.read(receipt);
      SignedContract signed = ContractCommand.load(contract);
      Map<String, Path> files = new LinkedHashMap<>();
      for (String o : outputs) {
        String[] kv = o.split("=", 2);
        if (kv.length != 2 || kv[0].isEmpty() || kv[1].isEmpty()) {
          throw new UsageException("--output " + o + ": expected PARTY=FILE");
        }
        if (files.put(kv[0], Path.of(kv[1])) != null) {
          throw new UsageException("--output " + kv[0] + " given twice");
        }
      }
      if (platformDir != null && !allowSimulated) {
        throw new UsageException("--platform goes with --allow-simulated");
      }
      Context.Builder context = Context.builder();
      if (at != null) {
        context.clock(Clock.fixed(Inputs.time(at), ZoneOffset.UTC));
      }
      if (allowSimulated) {
        Path dir = platformDir != null ? platformDir : SimulatedPlatformDir.defaultDir();
        try {
          context.simulated(SimulatedPlatforms.rootsIn(dir));
        } catch (Exception e) {
          throw new UsageException("--allow-simulated: no usable simulated platform in " + dir + " (" + e.getMessage() + ")");
        }
        context.allowSimulated(true);
        spec.commandLine().getErr().println("cloister: WARNING: --allow-simulated: evidence from the simulated platform is accepted; it protects nothing");
      }
      ReceiptVerdict v = ReceiptVerifier.verify(bytes, signed, files, new ReceiptVerifier.Options(context.build()));
      print(v);
      return v instanceof ReceiptVerdict.Accepted ? ExitCodes.OK : ExitCodes.REJECTED;
    }

    private void print(ReceiptVerdict v) {
      PrintWriter out = spec.commandLine().getOut();
      String reason = v instanceof ReceiptVerdict.Rejected r ? r.reason() : null;
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("verdict", v instanceof ReceiptVerdict.Accepted ? "accepted" : "rejected");
        m.put("field", v instanceof ReceiptVerdict.Rejected r ? r.field() : null);
        m.put("reason", reason);
        m.put("checks", v.checks().stream().map(c -> {
          Map<String, Object> cm = new LinkedHashMap<>();
          cm.put("name", c.name());
          cm.put("outcome", c.outcome().label());
          cm.put("detail", c.detail());
          return cm;
        }).toList());
        if (v instanceof ReceiptVerdict.Accepted a) {
          // The EAR tokens are bearer credentials at their brokers: which parties, never the tokens.
          Map<String, Object> rm = new LinkedHashMap<>();
          rm.put("contract_digest", a.receipt().contractDigest());
          rm.put("measurement", a.receipt().measurement());
          rm.put("token_parties", List.copyOf(a.receipt().earTokens().keySet()));
          rm.put("outputs_sha256", a.receipt().outputsSha256());
          rm.put("platform", a.claims().get("platform"));
          m.put("receipt", rm);
        }
        Output.json(out, m);
        return;
      }
      out.println((v instanceof ReceiptVerdict.Accepted ? "ACCEPTED" : "REJECTED") + "  receipt " + receipt + (reason == null ? "" : "  (" + reason + ")"));
      out.println();
      Output.table(out, List.of("CHECK", "OUTCOME", "DETAIL"), v.checks().stream().map(c -> List.of(c.name(), c.outcome().label(), c.detail())).toList());
    }
  }
}
