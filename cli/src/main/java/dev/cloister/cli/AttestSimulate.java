package dev.cloister.cli;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.snp.evidence.SnpEvidenceCodec;
import dev.cloister.enclave.simulated.SimulatedPlatformException;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Produce SEV-SNP evidence from the simulated platform: a byte-exact v3 report signed by a simulated VCEK.",
      "Its root says SIMULATED and is trusted only with 'attest verify --allow-simulated'.",
      "Writes DIR/report.bin, DIR/vcek.der, DIR/chain.pem (ASK then ARK) and DIR/evidence.json (Trustee's shape)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:written", "1:failed", "2:usage error"})
final class AttestSimulate implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the evidence.")
  Path out;

  @Option(names = "--measurement", paramLabel = "HEX", description = "Launch measurement (48 bytes; default zeros).")
  String measurement;

  @Option(names = "--report-data", paramLabel = "HEX", description = "Report data (up to 64 bytes, zero-padded).")
  String reportData;

  @Option(names = "--host-data", paramLabel = "HEX", description = "Host data (up to 32 bytes, zero-padded).")
  String hostData;

  @Option(names = "--debug", description = "Launch policy with DEBUG set (default appraisal rejects it).")
  boolean debug;

  @Option(names = "--platform", paramLabel = "DIR", description = "Simulated platform state (default: $CLOISTER_HOME/simulated-platform; created on first use).")
  Path platformDir;

  @Override
  public Integer call() throws IOException, CertificateEncodingException, SimulatedPlatformException {
    Path dir = platformDir != null ? platformDir : SimulatedPlatformDir.defaultDir();
    SimulatedSnpPlatform platform = SimulatedSnpPlatform.openOrCreate(dir, Clock.systemUTC());
    SimulatedSnpPlatform.ReportRequest.Builder req = SimulatedSnpPlatform.ReportRequest.builder();
    if (measurement != null) {
      req.measurement(Inputs.hex(measurement, 48, "--measurement"));
    }
    if (reportData != null) {
      req.reportData(Inputs.hex(reportData, 64, "--report-data"));
    }
    if (hostData != null) {
      req.hostData(Inputs.hex(hostData, 32, "--host-data"));
    }
    req.debug(debug);
    SnpReport report = platform.report(req.build());
    Files.createDirectories(out);
    Files.write(out.resolve("report.bin"), report.toByteArray());
    Files.write(out.resolve("vcek.der"), platform.vcek().getEncoded());
    StringBuilder pem = new StringBuilder();
    for (X509Certificate c : platform.chain()) {
      pem.append("-----BEGIN CERTIFICATE-----\n")
          .append(Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(c.getEncoded()))
          .append("\n-----END CERTIFICATE-----\n");
    }
    Files.writeString(out.resolve("chain.pem"), pem);
    Files.write(out.resolve("evidence.json"), SnpEvidenceCodec.encodeTrusteeJson(report, platform.vcek(), platform.chain()));
    PrintWriter o = spec.commandLine().getOut();
    o.println("simulated SEV-SNP evidence (SIMULATED root, not hardware) written to " + out);
    o.println("  measurement  " + report.measurement().hex());
    o.println("  platform     " + dir);
    return ExitCodes.OK;
  }
}
