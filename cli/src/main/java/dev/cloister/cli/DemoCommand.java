package dev.cloister.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The main job. Until the hospitals clean-room demo exists, it shows the attestation core end to
 * end on the simulated platform: evidence is produced, refused by default, and accepted only when
 * the simulated root is trusted explicitly.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run the end-to-end demonstration on this machine (simulated platform, no outside services).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the demonstration behaved as expected", "1:it did not"})
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path work = Files.createTempDirectory("cloister-demo");
    Path platform = work.resolve("platform");
    Path evidence = work.resolve("evidence");
    String measurement = "5a".repeat(48);
    out.println("== 1. The simulated SEV-SNP platform signs a report for a workload (measurement " + measurement.substring(0, 16) + "...)");
    int rc = run("attest", "simulate", "--platform", platform.toString(), "--out", evidence.toString(), "--measurement", measurement,
        "--report-data", "c0ffee");
    if (rc != 0) {
      return ExitCodes.REJECTED;
    }
    out.println();
    out.println("== 2. A verifier that trusts only AMD's roots rejects it (exit 1 expected)");
    int rejected = run("attest", "verify", evidence.resolve("report.bin").toString(),
        "--vcek", evidence.resolve("vcek.der").toString(), "--chain", evidence.resolve("chain.pem").toString());
    out.println();
    out.println("== 3. Trusting the simulated root explicitly (--allow-simulated) accepts it, marked platform=simulated");
    int accepted = run("attest", "verify", evidence.resolve("evidence.json").toString(), "--allow-simulated",
        "--platform", platform.toString());
    out.println();
    boolean ok = rejected == ExitCodes.REJECTED && accepted == ExitCodes.OK;
    out.println(ok ? "demo: OK (rejected without --allow-simulated, accepted with it)" : "demo: UNEXPECTED exit codes " + rejected + ", " + accepted);
    out.println("files: " + work);
    return ok ? ExitCodes.OK : ExitCodes.REJECTED;
  }

  private int run(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(spec.commandLine().getOut());
    cl.setErr(spec.commandLine().getErr());
    cl.setExecutionExceptionHandler(new Errors());
    spec.commandLine().getOut().println("$ cloister " + String.join(" ", args));
    spec.commandLine().getOut().flush();
    return cl.execute(args);
  }
}
