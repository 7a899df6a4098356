package dev.cloister.cli;

import dev.cloister.cleanroom.demo.HospitalsDemo;
import dev.cloister.enclave.simulated.SimulatedPlatforms;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The main job: the hospitals clean room, end to end on this machine. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Six hospitals train one readmission model on their pooled records inside a (simulated) SEV-SNP, TDX or Nitro TEE:",
      "each keeps its key in its own broker, all sign one contract, only the model comes out.",
      "All embedded: brokers on loopback, the simulated platform, no outside services."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the demonstration behaved as expected", "1:it did not", "2:usage error"})
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--parties", defaultValue = "6", paramLabel = "N", description = "Number of hospitals (default ${DEFAULT-VALUE}).")
  int parties;

  @Option(names = "--rows", defaultValue = "3000", paramLabel = "N", description = "Patient records over all hospitals (default ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--work-dir", paramLabel = "DIR", description = "Where brokers, keys, data and outputs go (default: a new temporary directory).")
  Path workDir;

  @Option(names = "--tee", defaultValue = "snp", paramLabel = "snp|tdx|nitro",
      description = "The simulated TEE the job runs on; every release and the receipt go through its family's verification (default ${DEFAULT-VALUE}).")
  String tee;

  @Option(names = "--json", description = "Print one JSON object instead of the narrative.")
  boolean json;

  @Override
  @SuppressWarnings("unchecked")
  public Integer call() throws Exception {
    if (parties < 1 || parties > 60 || rows < 60 * parties) {
      throw new UsageException("--parties must be 1..60 and --rows at least 60 per party");
    }
    if (!SimulatedPlatforms.TEES.contains(tee)) {
      throw new UsageException("--tee must be one of " + String.join(", ", SimulatedPlatforms.TEES));
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path work = workDir != null ? workDir : Files.createTempDirectory("cloister-hospitals");
    Files.createDirectories(work);
    long start = System.nanoTime();
    Map<String, Object> r = HospitalsDemo.run(parties, rows, tee, work, m -> (json ? err : out).println(m));
    List<Map<String, Object>> ps = (List<Map<String, Object>>) r.get("parties");
    Map<String, Object> tampered = (Map<String, Object>) r.get("tampered_workload");
    List<Map<String, Object>> audits = (List<Map<String, Object>>) r.get("audit");
    boolean pooledWins = ps.stream().allMatch(p -> (double) p.get("pooled_auc") > (double) p.get("local_auc"));
    boolean allReleased = ps.stream().allMatch(p -> (boolean) p.get("key_released"));
    boolean safe = (int) tampered.get("released") == 0 && (int) tampered.get("denied") == parties;
    boolean audited = audits.stream().allMatch(a -> (boolean) a.get("verified"));
    boolean receipt = (boolean) ((Map<String, Object>) r.get("receipt")).get("verified");
    if (json) {
      Output.json(out, r);
    } else {
      out.println();
      out.println("Why hospitals do this: AUC on each hospital's own held-out patients");
      Output.table(out, List.of("HOSPITAL", "RECORDS", "OWN DATA ONLY", "POOLED (IN THE TEE)", "KEY RELEASED"),
          ps.stream().map(p -> List.of(String.valueOf(p.get("name")), String.valueOf(p.get("rows")), String.format("%.3f", (double) p.get("local_auc")),
              String.format("%.3f", (double) p.get("pooled_auc")), String.valueOf(p.get("key_released")))).toList());
      out.println();
      out.println("Why it is safe: a workload one byte different got " + tampered.get("released") + " keys, " + tampered.get("denied")
          + " brokers refused; audit logs verified: " + audits.stream().filter(a -> (boolean) a.get("verified")).count() + "/" + audits.size()
          + "; the job's receipt " + (receipt ? "verified" : "REJECTED"));
      out.println("contract " + r.get("contract_digest") + ", measurement " + String.valueOf(r.get("measurement")).substring(0, 24) + "..., platform SIMULATED " + tee);
      out.printf("files: %s (%.1f s)%n", work, (System.nanoTime() - start) / 1e9);
      out.println(pooledWins && allReleased && safe && audited && receipt ? "demo: OK" : "demo: UNEXPECTED OUTCOME");
    }
    return pooledWins && allReleased && safe && audited && receipt ? ExitCodes.OK : ExitCodes.REJECTED;
  }
}
