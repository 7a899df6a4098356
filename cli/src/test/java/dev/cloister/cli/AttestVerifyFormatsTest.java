package dev.cloister.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attest verify} on every family other than SEV-SNP, on real evidence read in place, each at
 * a time inside its certificates' validity (INDEX.md): AWS Nitro documents from
 * evervault/attestation-doc-validation@084ba28 (test-data/, §4), Azure SNP vTPM evidence from
 * confidential-containers/trustee@78962cd (deps/verifier/test_data/az-snp-vtpm, §1c), Intel DCAP
 * quotes from Phala-Network/dcap-qvl@9bffe30 (sample/, §2, §3) and Trustee's TDX quote.
 */
class AttestVerifyFormatsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String NITRO = "attestation-doc-validation/test-data/beta/valid-attestation-doc-bytes";
  // The PCRs evervault's own test expects of valid-attestation-doc-bytes (attestation-doc-validation
  // python test: expected_pcrs; INDEX.md section 4 gives their first and last bytes).
  static final String NITRO_PCR0 = "f4d48b81a460c9916d1e685119074bf24660afd3e34fae9fca0a0d28d9d5599936332687e6f66fc890ac8cf150142d8b";
  static final String NITRO_PCR1 = "bcdf05fefccaa8e55bf2c8d6dee9e79bbff31e34bf28a99aa19e6b29c37ee80b214a414b7607236edf26fcb78654e63f";
  static final String NITRO_PCR2 = "d8f114da658de5481f8d9ec73907feb553560787522f705c92d7d96beed8e15e2aa611984e098c576832c292e8dc469a";
  static final String NITRO_PCR8 = "8790eb3cce6c83d07e84b126dc61ca923333d6f66615c4a79157de48c5ab2418bdc60746ea7b7afbff03a1c6210201cb";
  static final String NITRO_GA_BASE64 = "attestation-doc-validation/test-data/valid-attestation-doc-base64";
  static final String AZURE = "trustee/deps/verifier/test_data/az-snp-vtpm/evidence-v1.json";
  static final String TDX = "dcap-qvl/sample/tdx_quote";
  static final String SGX = "dcap-qvl/sample/sgx_quote";

  static String path(String vector) {
    return Vectors.require(vector).toString();
  }

  static JsonNode json(CliRunner r) throws Exception {
    return JSON.readTree(r.out());
  }

  @Test
  void nitroDocumentIsDetectedVerifiedAndPinned() throws Exception {
    CliRunner r = CliRunner.run("attest", "verify", path(NITRO), "--at", "2022-10-13T10:00:00Z", "--json");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    JsonNode j = json(r);
    assertThat(j.get("format").asText()).isEqualTo("nitro");
    assertThat(j.get("claims").get("platform").asText()).isEqualTo("hardware");
    assertThat(j.get("claims").get("pcrs").get("0").asText()).isEqualTo(NITRO_PCR0);

    CliRunner pinned = CliRunner.run("attest", "verify", path(NITRO), "--format", "nitro", "--at", "2022-10-13T10:00:00Z",
        "--pcr", "0=" + NITRO_PCR0, "--pcr", "1=" + NITRO_PCR1, "--pcr", "2=" + NITRO_PCR2, "--pcr", "8=" + NITRO_PCR8, "--json");
    assertThat(pinned.exit()).as(pinned.out()).isZero();
    assertThat(json(pinned).get("checks").toString())
        .contains("{\"name\":\"pcr0\",\"outcome\":\"affirming\",\"detail\":\"matches\"}")
        .contains("{\"name\":\"pcr8\",\"outcome\":\"affirming\",\"detail\":\"matches\"}");
    CliRunner wrong = CliRunner.run("attest", "verify", path(NITRO), "--at", "2022-10-13T10:00:00Z", "--pcr", "0=" + "00".repeat(48), "--json");
    assertThat(wrong.exit()).isEqualTo(1);
    assertThat(json(wrong).get("reason").asText()).startsWith("pcr0");
    CliRunner nonce = CliRunner.run("attest", "verify", path(NITRO), "--at", "2022-10-13T10:00:00Z", "--nonce", "01", "--json");
    assertThat(nonce.exit()).isEqualTo(1);
    assertThat(json(nonce).get("reason").asText()).startsWith("nonce");
    CliRunner expired = CliRunner.run("attest", "verify", path(NITRO), "--at", "2022-10-13T12:00:00Z");
    assertThat(expired.exit()).isEqualTo(1);
    assertThat(expired.out()).contains("REJECTED").contains(".validity");
  }

  @Test
  void base64NitroDocumentFromADebugEnclaveIsGenuineButRejected() throws Exception {
    CliRunner r = CliRunner.run("attest", "verify", path(NITRO_GA_BASE64), "--at", "2023-09-18T15:10:00Z", "--json");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(json(r).get("format").asText()).isEqualTo("nitro");
    assertThat(json(r).get("reason").asText()).startsWith("debug");
    CliRunner genuine = CliRunner.run("attest", "verify", path(NITRO_GA_BASE64), "--at", "2023-09-18T15:10:00Z", "--verify-only");
    assertThat(genuine.exit()).as(genuine.out()).isZero();
  }

  @Test
  void azureVtpmEvidenceIsDetectedVerifiedAndPinned() throws Exception {
    String at = "2026-06-01T00:00:00Z"; // inside the VCEK's validity, as in AzureVtpmVerifierTest
    CliRunner r = CliRunner.run("attest", "verify", path(AZURE), "--at", at, "--json",
        "--nonce", HexFormat.of().formatHex("challenge".getBytes(StandardCharsets.US_ASCII)),
        "--pcr", "0=e15c44796beabf46abcec7c57e590942041e47497e4ec27571c8b7664f48dced");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    JsonNode j = json(r);
    assertThat(j.get("format").asText()).isEqualTo("az-snp-vtpm");
    assertThat(j.get("claims").get("platform").asText()).isEqualTo("hardware");
    assertThat(j.get("claims").get("pcrs")).hasSize(24);
    assertThat(j.get("claims").get("measurement").asText()).isNotEmpty();
    assertThat(j.get("checks").toString()).contains("tpm_quote.signature").contains("hcl_runtime_claims");

    CliRunner wrongNonce = CliRunner.run("attest", "verify", path(AZURE), "--at", at, "--nonce", "00", "--json");
    assertThat(wrongNonce.exit()).isEqualTo(1);
    assertThat(json(wrongNonce).get("reason").asText()).startsWith("tpm_nonce");
    CliRunner expired = CliRunner.run("attest", "verify", path(AZURE), "--at", "2033-01-01T00:00:00Z", "--json");
    assertThat(expired.exit()).isEqualTo(1);
    assertThat(json(expired).get("verdict").asText()).isEqualTo("rejected");
  }

  @Test
  void dcapQuotesAreVerifiedAndTheirTcbStatusComesFromCollateral(@TempDir Path tmp) throws Exception {
    // dcap-qvl tests this sample at 2025-07-19T10:00:34Z (could_parse_tdx_quote).
    String at = "2025-07-19T10:00:34Z";
    CliRunner r = CliRunner.run("attest", "verify", path(TDX), "--at", at, "--json");
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
    JsonNode j = json(r);
    assertThat(j.get("format").asText()).isEqualTo("tdx");
    assertThat(j.get("status").asText()).isEqualTo("warning");
    assertThat(j.get("reason").asText()).contains("no Intel collateral");
    assertThat(j.get("claims").get("platform").asText()).isEqualTo("hardware");
    assertThat(j.get("claims").get("tcb_status").isNull()).isTrue();
    assertThat(j.get("claims").get("advisory_ids")).isEmpty();
    assertThat(j.get("checks").toString()).contains("pck_chain").contains("qe_report");
    CliRunner human = CliRunner.run("attest", "verify", path(TDX), "--at", at);
    assertThat(human.out()).contains("REJECTED  tdx").contains("tcb_status").contains("no Intel collateral");

    CliRunner cryptoOnly = CliRunner.run("attest", "verify", path(TDX), "--at", at, "--verify-only", "--json");
    assertThat(cryptoOnly.exit()).isZero();
    // With its collateral the dcap-qvl sample is UpToDate (could_parse_tdx_quote) and affirmed.
    CliRunner collateral = CliRunner.run("attest", "verify", path(TDX), "--at", at, "--collateral", path("dcap-qvl/sample/tdx_quote_collateral.json"), "--json");
    assertThat(collateral.exit()).as(collateral.out() + collateral.err()).isZero();
    assertThat(json(collateral).get("claims").get("tcb_status").asText()).isEqualTo("UpToDate");
    assertThat(json(collateral).get("claims").get("advisory_ids")).isEmpty();
    // The SGX sample: ConfigurationAndSWHardeningNeeded with two advisories (could_parse_sgx_quote), refused by default.
    CliRunner sgxTcb = CliRunner.run("attest", "verify", path(SGX), "--at", "2025-07-19T10:01:17Z", "--collateral", path("dcap-qvl/sample/sgx_quote_collateral.json"), "--json");
    assertThat(sgxTcb.exit()).as(sgxTcb.out() + sgxTcb.err()).isEqualTo(1);
    assertThat(json(sgxTcb).get("claims").get("tcb_status").asText()).isEqualTo("ConfigurationAndSWHardeningNeeded");
    assertThat(json(sgxTcb).get("claims").get("advisory_ids").toString()).isEqualTo("[\"INTEL-SA-00289\",\"INTEL-SA-00615\"]");
    assertThat(json(sgxTcb).get("status").asText()).isEqualTo("contraindicated");
    // The outdated sample matches no TCB level: rejected with that reason.
    CliRunner outdated = CliRunner.run("attest", "verify", path("dcap-qvl/sample/tdx_quote_outdated"), "--at", "2026-03-20T10:41:14Z", "--collateral",
        path("dcap-qvl/sample/tdx_quote_outdated_collateral.json"), "--json");
    assertThat(outdated.exit()).isEqualTo(1);
    assertThat(json(outdated).get("reason").asText()).contains("no matching TCB level");

    // SGX: report data "Hello, world!" and MRENCLAVE 33d8736d... (INDEX.md §3).
    CliRunner sgx = CliRunner.run("attest", "verify", path(SGX), "--at", "2025-07-19T10:01:17Z", "--verify-only", "--json");
    assertThat(sgx.exit()).as(sgx.out()).isZero();
    JsonNode s = json(sgx).get("claims");
    assertThat(json(sgx).get("format").asText()).isEqualTo("sgx");
    assertThat(s.get("mr_enclave").asText()).startsWith("33d8736d");
    assertThat(s.get("report_data").asText()).startsWith(HexFormat.of().formatHex("Hello, world!".getBytes(StandardCharsets.US_ASCII)));

    // Trustee's TDX evidence JSON and a hex-text quote are detected too.
    Path trustee = tmp.resolve("tdx-evidence.json");
    Files.writeString(trustee, JSON.createObjectNode()
        .put("quote", Base64.getEncoder().encodeToString(Vectors.read("trustee/deps/verifier/test_data/tdx_quote_4.dat"))).toString());
    CliRunner fromJson = CliRunner.run("attest", "verify", trustee.toString(), "--at", "2024-01-01T00:00:00Z", "--verify-only", "--json");
    assertThat(fromJson.exit()).as(fromJson.out() + fromJson.err()).isZero();
    assertThat(json(fromJson).get("claims").get("mr_td").asText()).startsWith("705ee938");
    CliRunner hex = CliRunner.run("attest", "verify", path("dcap-qvl/sample/tdx-quote.hex"), "--at", "2025-01-01T00:00:00Z", "--verify-only", "--json");
    assertThat(hex.exit()).as(hex.out() + hex.err()).isZero();
    assertThat(json(hex).get("format").asText()).isEqualTo("tdx");
  }

  /**
   * {@code --policy} in each family's format: a stricter file refuses the real sample the defaults (or
   * a laxer file) accept, naming the check. dcap-qvl's TDX sample matches its collateral's TCB level
   * dated 2024-03-13; its SGX sample is ConfigurationAndSWHardeningNeeded with MRENCLAVE 33d8736d…;
   * evervault's document has the PCR0 its own test expects.
   */
  @Test
  void policyFilesApplyToEveryFamily(@TempDir Path tmp) throws Exception {
    String tdxAt = "2025-07-19T10:00:34Z";
    String tdxCollateral = path("dcap-qvl/sample/tdx_quote_collateral.json");
    Path sameDay = Files.writeString(tmp.resolve("same-day.json"), "{\"minimum_tcb_date\": \"2024-03-13T00:00:00Z\"}");
    Path later = Files.writeString(tmp.resolve("later.json"), "{\"minimum_tcb_date\": \"2024-03-14T00:00:00Z\"}");
    CliRunner ok = CliRunner.run("attest", "verify", path(TDX), "--format", "tdx", "--at", tdxAt, "--collateral", tdxCollateral, "--policy", sameDay.toString(), "--json");
    assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
    CliRunner tooOld = CliRunner.run("attest", "verify", path(TDX), "--format", "tdx", "--at", tdxAt, "--collateral", tdxCollateral, "--policy", later.toString(), "--json");
    assertThat(tooOld.exit()).as(tooOld.out() + tooOld.err()).isEqualTo(1);
    assertThat(json(tooOld).get("reason").asText()).isEqualTo("tcb_date: TCB date 2024-03-13T00:00:00Z vs minimum 2024-03-14T00:00:00Z");
    // A policy file is the operator's: without collateral its TCB policy refuses (the default one only warns).
    CliRunner noCollateral = CliRunner.run("attest", "verify", path(TDX), "--format", "tdx", "--at", tdxAt, "--policy", sameDay.toString(), "--json");
    assertThat(noCollateral.exit()).isEqualTo(1);
    assertThat(json(noCollateral).get("status").asText()).isEqualTo("contraindicated");
    assertThat(json(noCollateral).get("reason").asText()).startsWith("tcb_status: ");

    String sgxAt = "2025-07-19T10:01:17Z";
    String sgxCollateral = path("dcap-qvl/sample/sgx_quote_collateral.json");
    String accept = "\"tcb_status\": {\"ConfigurationAndSWHardeningNeeded\": \"affirming\"}";
    Path lax = Files.writeString(tmp.resolve("sgx-lax.json"), "{" + accept + "}");
    Path other = Files.writeString(tmp.resolve("sgx-other.json"), "{" + accept + ", \"mr_enclaves\": [\"" + "00".repeat(32) + "\"]}");
    CliRunner sgxOk = CliRunner.run("attest", "verify", path(SGX), "--format", "sgx", "--at", sgxAt, "--collateral", sgxCollateral, "--policy", lax.toString(), "--json");
    assertThat(sgxOk.exit()).as(sgxOk.out() + sgxOk.err()).isZero();
    CliRunner sgxOther = CliRunner.run("attest", "verify", path(SGX), "--at", sgxAt, "--collateral", sgxCollateral, "--policy", other.toString(), "--json");
    assertThat(sgxOther.exit()).isEqualTo(1);
    assertThat(json(sgxOther).get("reason").asText()).startsWith("mr_enclave: ").contains("33d8736d");

    Path pcr0 = Files.writeString(tmp.resolve("nitro.json"), "{\"pcrs\": {\"0\": \"" + NITRO_PCR0 + "\"}}");
    Path otherPcr0 = Files.writeString(tmp.resolve("nitro-other.json"), "{\"pcrs\": {\"0\": \"" + "00".repeat(48) + "\"}}");
    CliRunner nitroOk = CliRunner.run("attest", "verify", path(NITRO), "--at", "2022-10-13T10:00:00Z", "--policy", pcr0.toString(), "--json");
    assertThat(nitroOk.exit()).as(nitroOk.out() + nitroOk.err()).isZero();
    CliRunner nitroOther = CliRunner.run("attest", "verify", path(NITRO), "--at", "2022-10-13T10:00:00Z", "--policy", otherPcr0.toString(), "--json");
    assertThat(nitroOther.exit()).isEqualTo(1);
    assertThat(json(nitroOther).get("reason").asText()).isEqualTo("pcr0: got " + NITRO_PCR0 + ", expected " + "00".repeat(48));

    // Usage errors name the file and the key.
    Path typo = Files.writeString(tmp.resolve("typo.json"), "{\"mr_td\": []}");
    CliRunner bad = CliRunner.run("attest", "verify", path(TDX), "--format", "tdx", "--at", tdxAt, "--policy", typo.toString());
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--policy " + typo + ": unknown key 'mr_td'");
    CliRunner twice = CliRunner.run("attest", "verify", path(NITRO), "--at", "2022-10-13T10:00:00Z", "--policy", pcr0.toString(), "--pcr", "0=" + NITRO_PCR0);
    assertThat(twice.exit()).isEqualTo(2);
    assertThat(twice.err()).contains("--pcr 0: the policy file " + pcr0 + " pins pcrs.0 already");
    Path reportData = Files.writeString(tmp.resolve("td-report-data.json"), "{\"report_data\": \"" + "00".repeat(64) + "\"}");
    CliRunner azure = CliRunner.run("attest", "verify", path("trustee/deps/verifier/test_data/az-tdx-vtpm/evidence-v1.json"), "--at", "2025-03-01T00:00:00Z",
        "--policy", reportData.toString());
    assertThat(azure.exit()).isEqualTo(2);
    assertThat(azure.err()).contains("--policy " + reportData + ": report_data: az-tdx-vtpm's TD REPORT_DATA is the HCL runtime claims' digest");
  }

  /**
   * Trustee's Azure TDX vTPM evidence (deps/verifier/test_data/az-tdx-vtpm, INDEX.md §2): pcr00 as
   * Trustee's test_evaluate expects, nonce "challenge"; with dcap-rs@d847b8f's collateral for FMSPC
   * 00806f050000 the TD's TCB is OutOfDate, so the default appraisal refuses it.
   */
  @Test
  void azureTdxVtpmEvidenceIsDetectedVerifiedAndAppraised(@TempDir Path tmp) throws Exception {
    String ev = path("trustee/deps/verifier/test_data/az-tdx-vtpm/evidence-v1.json");
    String at = "2025-03-01T00:00:00Z";
    // Without collateral the TCB status is unknown: a warning, whatever else holds.
    CliRunner r = CliRunner.run("attest", "verify", ev, "--at", at, "--json", "--nonce", "6368616c6c656e6765",
        "--pcr", "0=782b20b10f55cc46e2142cc2145d548698073e5beb82752c8d7f9279f0d8a273");
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(json(r).get("status").asText()).isEqualTo("warning");
    assertThat(json(r).get("reason").asText()).contains("no Intel collateral");
    CliRunner wrongPcr = CliRunner.run("attest", "verify", ev, "--at", at, "--json", "--pcr", "0=" + "00".repeat(32));
    assertThat(json(wrongPcr).get("status").asText()).isEqualTo("contraindicated");
    assertThat(json(r).get("format").asText()).isEqualTo("az-tdx-vtpm");
    assertThat(json(r).get("claims").get("pcrs").get("00").asText()).startsWith("782b20b1");
    Path dir = Files.createDirectories(tmp.resolve("collateral"));
    for (String f : new String[] {"tcbinfov3_00806f050000.json", "qeidentityv2_apiv4.json", "tcb_signing_cert.pem", "intel_root_ca_crl.der", "pck_platform_crl.der"}) {
      Files.write(dir.resolve(f), Vectors.read("dcap-rs/data/" + f));
    }
    CliRunner full = CliRunner.run("attest", "verify", ev, "--at", at, "--collateral", dir.toString(), "--json");
    assertThat(full.exit()).as(full.out() + full.err()).isEqualTo(1);
    assertThat(json(full).get("claims").get("tcb_status").asText()).isEqualTo("OutOfDate");
    assertThat(json(full).get("reason").asText()).startsWith("tcb_status");
  }

  @Test
  void undetectableMismatchedAndMisappliedInputsAreUsageErrors(@TempDir Path tmp) throws Exception {
    Path junk = tmp.resolve("junk");
    Files.write(junk, new byte[] {1, 2, 3});
    CliRunner unknown = CliRunner.run("attest", "verify", junk.toString());
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("cannot tell the format").contains("COSE_Sign1").contains("DCAP").contains("--format");

    // A named format is the format (issue 11, defect 5): bytes of another family are malformed
    // evidence of the named one, a rejection with its verdict, never a usage error.
    CliRunner mismatch = CliRunner.run("attest", "verify", path(NITRO), "--format", "tdx", "--at", "2022-10-13T10:00:00Z", "--json");
    assertThat(mismatch.exit()).isEqualTo(1);
    assertThat(json(mismatch).get("verdict").asText()).isEqualTo("rejected");
    assertThat(json(mismatch).get("format").asText()).isEqualTo("tdx");
    CliRunner snpAsNitro = CliRunner.run("attest", "verify", path("trustee/attestation-service/tests/e2e/evidence.json"), "--format", "nitro", "--json");
    assertThat(snpAsNitro.exit()).isEqualTo(1);
    assertThat(json(snpAsNitro).get("format").asText()).isEqualTo("nitro");
    assertThat(json(snpAsNitro).get("reason").asText()).startsWith("nitro");

    assertThat(CliRunner.run("attest", "verify", path(NITRO), "--format", "cca").exit()).isEqualTo(2);
    CliRunner pcrOnSnp = CliRunner.run("attest", "verify", path("trustee/attestation-service/tests/e2e/evidence.json"), "--pcr", "0=00");
    assertThat(pcrOnSnp.exit()).isEqualTo(2);
    assertThat(pcrOnSnp.err()).contains("--pcr applies to nitro, az-snp-vtpm");
    assertThat(CliRunner.run("attest", "verify", path(NITRO), "--pcr", "zero=00", "--at", "2022-10-13T10:00:00Z").exit()).isEqualTo(2);
    assertThat(CliRunner.run("attest", "verify", path(TDX), "--vcek", path(TDX)).exit()).isEqualTo(2);
    assertThat(CliRunner.run("attest", "verify", path(TDX), "--collateral", tmp.resolve("none").toString()).exit()).isEqualTo(2);
    // A named format whose decoder refuses the bytes: malformed evidence, rejected.
    CliRunner named = CliRunner.run("attest", "verify", junk.toString(), "--format", "nitro", "--json");
    assertThat(named.exit()).isEqualTo(1);
    assertThat(json(named).get("reason").asText()).startsWith("nitro");
    assertThat(named.out() + named.err()).doesNotContain("\tat ");
  }
}
