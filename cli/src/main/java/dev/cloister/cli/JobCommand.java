package dev.cloister.cli;

import dev.cloister.attestation.Octets;
import dev.cloister.cleanroom.contract.SignedContract;
import dev.cloister.cleanroom.job.ConfidentialJob;
import dev.cloister.cleanroom.job.JobException;
import dev.cloister.cleanroom.workload.WorkloadBundle;
import dev.cloister.enclave.Platform;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "job", mixinStandardHelpOptions = true, description = "The confidential job (runs inside the TEE).",
    subcommands = {JobCommand.Run.class})
final class JobCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = {"Attest to every party's broker with a fresh key per session, receive each data key, decrypt each dataset in memory,",
          "train, seal the model and metrics to each recipient (HPKE), and write an attested receipt.",
          "--platform simulated launches the simulated SEV-SNP platform with the bundle's measurement and HOST_DATA = contract digest;",
          "sev-guest and configfs-tsm (real confidential VMs) are not available on this machine."},
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:outputs written", "1:refused or failed (party and reason named; nothing written)", "2:usage error"})
  static final class Run implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--contract", required = true, paramLabel = "F") Path contract;
    @Option(names = "--bundle", required = true, paramLabel = "DIR") Path bundle;
    @Option(names = "--dataset", required = true, paramLabel = "NAME=FILE") List<String> datasets;
    @Option(names = "--platform", required = true, paramLabel = "simulated|sev-guest|configfs-tsm") String platform;
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
      Platform tee = switch (platform) {
        case "simulated" -> SimulatedSnpPlatform.openOrCreate(platformDir != null ? platformDir : SimulatedPlatformDir.defaultDir(), Clock.systemUTC())
            .launched(WorkloadBundle.measure(bundle).measurement(), Octets.copyOf(signed.contract().digest()));
        case "sev-guest", "configfs-tsm" -> throw new UsageException("--platform " + platform + ": no SEV-SNP guest device on this machine");
        default -> throw new UsageException("--platform must be simulated, sev-guest or configfs-tsm");
      };
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
  }
}
