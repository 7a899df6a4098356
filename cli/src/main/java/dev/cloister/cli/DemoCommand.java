package dev.cloister.cli;

import dev.cloister.attestation.Octets;
import dev.cloister.broker.Broker;
import dev.cloister.broker.BrokerInit;
import dev.cloister.enclave.kbs.KbsClient;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The main job. Until the hospitals clean-room demo exists, it shows what is built end to end on
 * one machine: SEV-SNP evidence from the simulated platform, refused by default and accepted only
 * when the simulated root is trusted explicitly; then a data owner's key broker releasing a key
 * to that attested workload (and not to anything else), every decision in its audit log.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run the end-to-end demonstration on this machine (simulated platform, embedded broker, no outside services).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the demonstration behaved as expected", "1:it did not"})
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path work = Files.createTempDirectory("cloister-demo");
    Path platformDir = work.resolve("platform");
    Path evidence = work.resolve("evidence");
    String measurement = "5a".repeat(48);
    out.println("== 1. The simulated SEV-SNP platform signs a report for a workload (measurement " + measurement.substring(0, 16) + "...)");
    if (run("attest", "simulate", "--platform", platformDir.toString(), "--out", evidence.toString(), "--measurement", measurement,
        "--report-data", "c0ffee") != 0) {
      return ExitCodes.REJECTED;
    }
    out.println();
    out.println("== 2. A verifier that trusts only AMD's roots rejects it (exit 1 expected)");
    int rejected = run("attest", "verify", evidence.resolve("report.bin").toString(),
        "--vcek", evidence.resolve("vcek.der").toString(), "--chain", evidence.resolve("chain.pem").toString());
    out.println();
    out.println("== 3. Trusting the simulated root explicitly (--allow-simulated) accepts it, marked platform=simulated");
    int accepted = run("attest", "verify", evidence.resolve("evidence.json").toString(), "--allow-simulated",
        "--platform", platformDir.toString());
    out.println();
    boolean ok = rejected == ExitCodes.REJECTED && accepted == ExitCodes.OK;
    ok &= brokerDemo(out, work, platformDir, measurement);
    out.println();
    out.println(ok ? "demo: OK" : "demo: UNEXPECTED OUTCOME (see above)");
    out.println("files: " + work);
    return ok ? ExitCodes.OK : ExitCodes.REJECTED;
  }

  private boolean brokerDemo(PrintWriter out, Path work, Path platformDir, String measurement) throws Exception {
    SimulatedSnpPlatform platform = SimulatedSnpPlatform.openOrCreate(platformDir, Clock.systemUTC());
    Path brokerDir = work.resolve("hospital-a-broker");
    out.println("== 4. Hospital A's key broker: init, start on loopback with --allow-simulated, register the dataset key");
    run("broker", "init", "--data-dir", brokerDir.toString());
    String admin = Files.readString(brokerDir.resolve(BrokerInit.ADMIN_TOKEN_FILE)).strip();
    byte[] dataKey = new byte[32];
    new java.security.SecureRandom().nextBytes(dataKey);
    boolean ok;
    try (Broker broker = Broker.start(Broker.Options.loopback(brokerDir, 0).withSimulation(List.of(platform.trustAnchor())))) {
      out.println("broker at " + broker.uri() + " (simulated evidence accepted: recorded in every token and audit entry)");
      String policy = "status == 'affirming' && claims.platform in ['hardware', 'simulated'] && claims.measurement == '" + measurement + "'";
      HttpClient http = HttpClient.newHttpClient();
      int put = http.send(HttpRequest.newBuilder(broker.uri().resolve("/kbs/v0/resource/hospital-a/key/dataset"))
          .header("Authorization", "Bearer " + admin).POST(HttpRequest.BodyPublishers.ofByteArray(dataKey)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
      int pol = http.send(HttpRequest.newBuilder(broker.uri().resolve("/kbs/v0/resource-policy/hospital-a/key/dataset"))
          .header("Authorization", "Bearer " + admin).PUT(HttpRequest.BodyPublishers.ofString(policy)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
      out.println("registered hospital-a/key/dataset (HTTP " + put + "), release policy (HTTP " + pol + "): " + policy);
      out.println();
      out.println("== 5. The approved workload attests (KBS protocol: auth, attest with evidence bound to nonce and a fresh TEE key)");
      KbsClient tee = new KbsClient(broker.uri());
      tee.attest(platform.evidenceSource(Octets.fromHex(measurement), Octets.zeros(32)));
      byte[] released = tee.resource("hospital-a/key/dataset");
      boolean same = java.util.Arrays.equals(released, dataKey);
      out.println("released: " + released.length + "-byte key, decrypted with the TEE's session key; matches the registered key: " + same);
      java.util.Arrays.fill(released, (byte) 0);
      out.println();
      out.println("== 6. A different workload (another measurement) attests successfully but gets nothing (403)");
      KbsClient other = new KbsClient(broker.uri());
      other.attest(platform.evidenceSource(Octets.fromHex("66".repeat(48)), Octets.zeros(32)));
      int refused;
      try {
        other.resource("hospital-a/key/dataset");
        refused = 200;
      } catch (KbsClient.KbsRefusedException e) {
        refused = e.status();
        out.println("refused: HTTP " + e.status() + " (" + e.getMessage() + ")");
      }
      ok = same && refused == 403;
    } finally {
      java.util.Arrays.fill(dataKey, (byte) 0);
    }
    out.println();
    out.println("== 7. A broker started without --allow-simulated refuses simulated evidence outright (401)");
    boolean strictRefused;
    try (Broker strict = Broker.start(Broker.Options.loopback(brokerDir, 0))) {
      try {
        new KbsClient(strict.uri()).attest(platform.evidenceSource(Octets.fromHex(measurement), Octets.zeros(32)));
        strictRefused = false;
      } catch (KbsClient.KbsRefusedException e) {
        strictRefused = e.status() == 401;
        out.println("refused: HTTP " + e.status() + " (" + e.getMessage() + ")");
      }
    }
    out.println();
    out.println("== 8. The auditor checks the tamper-evident log and exports it for a SIEM");
    int audit = run("audit", "verify", "--data-dir", brokerDir.toString());
    out.println("$ cloister audit export --data-dir " + brokerDir + " --format ocsf | wc -l");
    java.io.StringWriter sink = new java.io.StringWriter();
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(new PrintWriter(sink));
    cl.execute("audit", "export", "--data-dir", brokerDir.toString(), "--format", "ocsf");
    out.println(sink.toString().lines().count() + " OCSF events");
    return ok && strictRefused && audit == ExitCodes.OK;
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
