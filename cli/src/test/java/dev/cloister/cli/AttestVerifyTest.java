package dev.cloister.cli;

import dev.cloister.attestation.tee.TeeFamilies;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.testing.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttestVerifyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  // A DCAP v3 header starts with version 3 and attestation key type 2 (u16 LE each): as the SNP
  // report's u32 VERSION field that is 0x00020003.
  private static final String REASON_FOR_DCAP_HEADER = "report.version: unsupported version 131075 (supported: 2, 3, 5)";

  // confidential-containers/trustee@78962cd attestation-service/tests/e2e/evidence.json: real Genoa
  // evidence with its VCEK (valid 2025-05-27..2032-05-27), guest policy 0x30000 (no debug).
  @Test
  void realTrusteeEvidenceIsAcceptedAsHardware() throws Exception {
    Path ev = Vectors.require("trustee/attestation-service/tests/e2e/evidence.json");
    CliRunner r = CliRunner.run("attest", "verify", ev.toString(), "--at", "2026-01-01T00:00:00Z", "--json");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    JsonNode j = JSON.readTree(r.out());
    assertThat(j.get("verdict").asText()).isEqualTo("accepted");
    assertThat(j.get("format").asText()).isEqualTo("sev-snp");
    assertThat(j.get("claims").get("platform").asText()).isEqualTo("hardware");
    assertThat(j.get("claims").get("product").asText()).isEqualTo("Genoa");
    assertThat(j.get("claims").get("measurement").asText()).startsWith("6a6519d757e68c2e");
    for (String k : new String[] {"report_data", "host_data", "chip_id", "vmpl", "policy", "reported_tcb"}) {
      assertThat(j.get("claims").has(k)).as(k).isTrue();
    }
  }

  @Test
  void realEvidenceOutsideValidityIsRejected() {
    Path ev = Vectors.require("trustee/attestation-service/tests/e2e/evidence.json");
    CliRunner r = CliRunner.run("attest", "verify", ev.toString(), "--at", "1700000000");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("REJECTED").contains("vek.validity");
  }

  // google/go-sev-guest@af1c107 verify/testdata/attestation.bin: genuine, but launched with DEBUG.
  @Test
  void debugGuestIsGenuineButRejectedByTheDefaultPolicy() throws Exception {
    Path report = Vectors.require("go-sev-guest/verify/testdata/attestation.bin");
    Path vcek = Vectors.require("go-sev-guest/verify/testdata/vcek.testcer");
    CliRunner genuine = CliRunner.run("attest", "verify", report.toString(), "--vcek", vcek.toString(),
        "--at", "2023-07-01T00:00:00Z", "--verify-only", "--json");
    assertThat(genuine.exit()).as(genuine.out() + genuine.err()).isZero();
    CliRunner appraised = CliRunner.run("attest", "verify", report.toString(), "--vcek", vcek.toString(),
        "--at", "2023-07-01T00:00:00Z", "--json");
    assertThat(appraised.exit()).isEqualTo(1);
    JsonNode j = JSON.readTree(appraised.out());
    assertThat(j.get("verdict").asText()).isEqualTo("rejected");
    assertThat(j.get("reason").asText()).contains("debug");
  }

  @Test
  void simulatedEvidenceIsRejectedUnlessExplicitlyAllowed(@TempDir Path tmp) throws Exception {
    Path platform = tmp.resolve("platform");
    Path out = tmp.resolve("ev");
    CliRunner sim = CliRunner.run("attest", "simulate", "--platform", platform.toString(), "--out", out.toString(),
        "--measurement", "ab".repeat(48), "--host-data", "01");
    assertThat(sim.exit()).as(sim.err()).isZero();
    for (String f : new String[] {"report.bin", "vcek.der", "chain.pem", "evidence.json"}) {
      assertThat(out.resolve(f)).exists();
    }
    CliRunner refused = CliRunner.run("attest", "verify", out.resolve("report.bin").toString(),
        "--vcek", out.resolve("vcek.der").toString(), "--chain", out.resolve("chain.pem").toString(), "--json");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(JSON.readTree(refused.out()).get("reason").asText()).contains("not a trusted root");

    CliRunner allowed = CliRunner.run("attest", "verify", out.resolve("report.bin").toString(),
        "--vcek", out.resolve("vcek.der").toString(), "--chain", out.resolve("chain.pem").toString(),
        "--allow-simulated", "--platform", platform.toString(), "--json");
    assertThat(allowed.exit()).as(allowed.out() + allowed.err()).isZero();
    JsonNode j = JSON.readTree(allowed.out());
    assertThat(j.get("claims").get("platform").asText()).isEqualTo("simulated");
    assertThat(j.get("claims").get("measurement").asText()).isEqualTo("ab".repeat(48));
    assertThat(allowed.err()).contains("WARNING");

    CliRunner json = CliRunner.run("attest", "verify", out.resolve("evidence.json").toString(),
        "--allow-simulated", "--platform", platform.toString());
    assertThat(json.exit()).as(json.out() + json.err()).isZero();
  }

  /** A simulated TDX quote and Nitro document verify (TDX with the platform's own collateral) only with --allow-simulated. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"tdx", "nitro"})
  void simulatedTdxAndNitroEvidenceIsRejectedUnlessExplicitlyAllowed(String tee, @TempDir Path tmp) throws Exception {
    Path platform = tmp.resolve("platform");
    var launched = dev.cloister.enclave.simulated.SimulatedPlatforms.launch(tee, platform, java.time.Clock.systemUTC(),
        dev.cloister.attestation.Octets.fromHex("ab".repeat(48)), dev.cloister.attestation.Octets.fromHex("cd".repeat(32)));
    JsonNode evidence = launched.evidence(new byte[tee.equals("tdx") ? 64 : 48]);
    Path file = tmp.resolve("evidence");
    java.nio.file.Files.writeString(file, evidence.isTextual() ? evidence.asText() : evidence.toString());
    CliRunner refused = CliRunner.run("attest", "verify", file.toString(), "--format", tee, "--json");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(JSON.readTree(refused.out()).get("reason").asText()).contains(tee.equals("tdx") ? "is not a trusted Intel root" : "is not a trusted Nitro root");
    CliRunner allowed = CliRunner.run("attest", "verify", file.toString(), "--format", tee, "--allow-simulated", "--platform", platform.toString(), "--json");
    assertThat(allowed.exit()).as(allowed.out() + allowed.err()).isZero();
    assertThat(JSON.readTree(allowed.out()).get("claims").get("platform").asText()).isEqualTo("simulated");
    assertThat(allowed.err()).contains("WARNING");
  }

  @Test
  void simulatedDebugGuestIsRejectedEvenWhenSimulationIsAllowed(@TempDir Path tmp) {
    Path platform = tmp.resolve("platform");
    Path out = tmp.resolve("ev");
    assertThat(CliRunner.run("attest", "simulate", "--platform", platform.toString(), "--out", out.toString(), "--debug").exit()).isZero();
    CliRunner r = CliRunner.run("attest", "verify", out.resolve("evidence.json").toString(), "--allow-simulated",
        "--platform", platform.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("policy.debug");
  }

  @Test
  void malformedInputIsRejectedWithoutAStackTrace(@TempDir Path tmp) throws Exception {
    Path junk = tmp.resolve("junk");
    Files.write(junk, new byte[] {1, 2, 3});
    // Named as SEV-SNP, junk is malformed evidence (rejected); unnamed, it is undetectable (a usage error).
    CliRunner r = CliRunner.run("attest", "verify", junk.toString(), "--format", "snp", "--json");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(JSON.readTree(r.out()).get("verdict").asText()).isEqualTo("rejected");
    assertThat(r.out() + r.err()).doesNotContain("\tat ");
    Path json = tmp.resolve("bad.json");
    Files.writeString(json, "{\"attestation_report\": 5}");
    CliRunner j = CliRunner.run("attest", "verify", json.toString());
    assertThat(j.exit()).isEqualTo(1);
    assertThat(j.out() + j.err()).doesNotContain("\tat ");
  }

  /**
   * Issue 11, defect 5: a malformed SNP report whose first bytes are a DCAP quote header (dcap-qvl's
   * sgx_quote, INDEX.md section 3) is, named as snp, malformed SNP evidence: exit 1 with a JSON verdict.
   */
  @Test
  void aNamedFormatIsTheFormatWhateverTheBytesLookLike(@TempDir Path tmp) throws Exception {
    byte[] report = Vectors.read("go-sev-guest/verify/testdata/attestation.bin");
    System.arraycopy(Vectors.read("dcap-qvl/sample/sgx_quote"), 0, report, 0, 48);
    assertThat(TeeFamilies.detect(report)).map(d -> d.family().name()).contains("sgx");
    Path forged = tmp.resolve("report.bin");
    Files.write(forged, report);
    CliRunner r = CliRunner.run("attest", "verify", forged.toString(), "--format", "snp",
        "--vcek", Vectors.require("go-sev-guest/verify/testdata/vcek.testcer").toString(), "--at", "2023-07-01T00:00:00Z", "--json");
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
    JsonNode j = JSON.readTree(r.out());
    assertThat(j.get("verdict").asText()).isEqualTo("rejected");
    assertThat(j.get("format").asText()).isEqualTo("sev-snp");
    assertThat(j.get("reason").asText()).isEqualTo(REASON_FOR_DCAP_HEADER);
    assertThat(r.err()).isEmpty();
  }

  /**
   * Issue 11, defect 1: Intel's SGX Root CA CRL (dcap-rs@d847b8f data/intel_root_ca_crl.der) given
   * for go-sev-guest's Milan report is not a revocation check: it is reported as not used, and
   * --require-crl rejects naming the missing CRL from Milan's ARK.
   */
  @Test
  void aCrlFromAnotherIssuerIsNeverReportedAsARevocationCheck() throws Exception {
    String report = Vectors.require("go-sev-guest/verify/testdata/attestation.bin").toString();
    String vcek = Vectors.require("go-sev-guest/verify/testdata/vcek.testcer").toString();
    String intelCrl = Vectors.require("dcap-rs/data/intel_root_ca_crl.der").toString();
    CliRunner r = CliRunner.run("attest", "verify", report, "--vcek", vcek, "--crl", intelCrl, "--at", "2023-07-01T00:00:00Z", "--verify-only");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).doesNotContain("not revoked")
        .contains("not from AMD Milan's ARK 'ARK-Milan': not used")
        .contains("no CRL signed by AMD Milan's ARK was supplied or found: revocation not checked");
    CliRunner required = CliRunner.run("attest", "verify", report, "--vcek", vcek, "--crl", intelCrl, "--at", "2023-07-01T00:00:00Z",
        "--verify-only", "--require-crl", "--json");
    assertThat(required.exit()).isEqualTo(1);
    assertThat(JSON.readTree(required.out()).get("reason").asText())
        .isEqualTo("crl: a revocation check is required and no CRL signed by AMD Milan's ARK is available");
  }

  /** Issue 11, defect 1: a CRL found in the KDS cache is checked, and the check line says so. */
  @Test
  void aCrlFromTheKdsCacheIsReportedAsChecked(@TempDir Path tmp) throws Exception {
    Path platform = tmp.resolve("platform");
    Path out = tmp.resolve("out");
    assertThat(CliRunner.run("attest", "simulate", "--platform", platform.toString(), "--out", out.toString()).exit()).isZero();
    java.time.Instant now = java.time.Instant.now();
    java.security.cert.X509CRL crl = dev.cloister.enclave.simulated.SimulatedSnpPlatform.openOrCreate(platform, java.time.Clock.systemUTC())
        .issueCrl(java.util.List.of(java.math.BigInteger.valueOf(99)), now.minusSeconds(3600), now.plusSeconds(86_400));
    Path kds = tmp.resolve("kds");
    Path crlFile = kds.resolve("vcek/v1/Milan/crl");
    Files.createDirectories(crlFile.getParent());
    Files.write(crlFile, crl.getEncoded());
    CliRunner r = CliRunner.run("attest", "verify", out.resolve("evidence.json").toString(), "--allow-simulated", "--platform", platform.toString(),
        "--kds-cache", kds.toString(), "--require-crl", "--json");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    JsonNode revocation = null;
    for (JsonNode c : JSON.readTree(r.out()).get("checks")) {
      if (c.get("name").asText().equals("revocation")) {
        revocation = c;
      }
    }
    assertThat(revocation).isNotNull();
    assertThat(revocation.get("outcome").asText()).isEqualTo("affirming");
    assertThat(revocation.get("detail").asText())
        .startsWith("CRL (KDS cache " + crlFile + ") signed by Cloister simulated Milan's ARK 'ARK-Milan SIMULATED'")
        .endsWith(": neither 'SEV-Milan SIMULATED' nor the VCEK is revoked");
  }

  @Test
  void usageErrorsExitTwo(@TempDir Path tmp) {
    assertThat(CliRunner.run("attest", "verify", tmp.resolve("missing").toString()).exit()).isEqualTo(2);
    assertThat(CliRunner.run("attest", "verify").exit()).isEqualTo(2);
    assertThat(CliRunner.run("attest", "verify", "x", "--at", "yesterday").exit()).isEqualTo(2);
    assertThat(CliRunner.run("attest", "verify", "x", "--no-such-option").exit()).isEqualTo(2);
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] cmd : new String[][] {{"--help"}, {"attest", "--help"}, {"attest", "verify", "--help"},
        {"attest", "inspect", "--help"}, {"attest", "simulate", "--help"}, {"demo", "--help"}}) {
      CliRunner r = CliRunner.run(cmd);
      assertThat(r.exit()).isZero();
      assertThat(r.out()).contains("Usage:");
    }
  }

  @Test
  void inspectPrintsEveryFieldUnverified() throws Exception {
    Path ev = Vectors.require("trustee/attestation-service/tests/e2e/evidence.json");
    CliRunner r = CliRunner.run("attest", "inspect", ev.toString(), "--json");
    assertThat(r.exit()).isZero();
    JsonNode j = JSON.readTree(r.out());
    assertThat(j.get("verified").asBoolean()).isFalse();
    assertThat(j.get("measurement").asText()).startsWith("6a6519d757e68c2e");
    assertThat(j.get("policy").get("debug").asBoolean()).isFalse();
    CliRunner human = CliRunner.run("attest", "inspect", ev.toString());
    assertThat(human.out()).contains("NOT VERIFIED").contains("measurement");
  }

  @Test
  void demoBehavesAsDocumented(@TempDir Path tmp) {
    CliRunner r = CliRunner.run("demo");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("demo: OK");
  }
}
