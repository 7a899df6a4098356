package dev.cloister.attestation.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.snp.appraise.SnpAppraisalOptions;
import dev.cloister.attestation.snp.verify.VerifyOptions;
import dev.cloister.attestation.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Azure SEV-SNP vTPM evidence from confidential-containers/trustee@78962cd
 * deps/verifier/test_data/az-snp-vtpm/ (upstream az_snp_vtpm tests; INDEX.md §1c).
 */
class AzureVtpmVerifierTest {
  static final String DIR = "trustee/deps/verifier/test_data/az-snp-vtpm/";
  static final ObjectMapper JSON = new ObjectMapper();
  static final Octets CHALLENGE = Octets.copyOf("challenge".getBytes(StandardCharsets.US_ASCII));

  static VerifyOptions at(String t) {
    return VerifyOptions.builder().clock(Clock.fixed(Instant.parse(t), ZoneOffset.UTC)).build();
  }

  /** The v0-style sample: hcl-report.bin, tpm-quote-v1.json and the first certificate of vcek.pem. */
  static byte[] legacy() throws Exception {
    ObjectNode n = JSON.createObjectNode();
    ArrayNode report = n.putArray("report");
    for (byte b : Vectors.read(DIR + "hcl-report.bin")) {
      report.add(b & 0xFF);
    }
    n.set("tpm_quote", JSON.readTree(Vectors.read(DIR + "tpm-quote-v1.json")));
    n.put("vcek", new String(Vectors.read(DIR + "vcek.pem"), StandardCharsets.US_ASCII));
    return JSON.writeValueAsBytes(n);
  }

  @Test
  void legacySampleVerifiesWithTheChallengeNonce() throws Exception {
    var v = AzureVtpmVerifier.verify(AzureVtpmEvidence.decode(legacy()), at("2024-01-01T00:00:00Z"));
    assertThat(v.quote().extraData()).isEqualTo(CHALLENGE);
    var o = new AzureVtpmAppraiser.Options(SnpAppraisalOptions.defaults(), Optional.of(CHALLENGE), Map.of());
    var r = AzureVtpmAppraiser.appraise(v, o);
    assertThat(r.status()).as(r.checks().toString()).isEqualTo(TrustTier.AFFIRMING);
    assertThat(r.format()).isEqualTo("az-snp-vtpm");
    var wrongNonce = new AzureVtpmAppraiser.Options(SnpAppraisalOptions.defaults(), Optional.of(Octets.fromHex("00")), Map.of());
    assertThat(AzureVtpmAppraiser.appraise(v, wrongNonce).status()).isEqualTo(TrustTier.CONTRAINDICATED);
  }

  @Test
  void everyEvidenceShapeVerifiesWithTheUpstreamPcr0() throws Exception {
    String[][] cases = {
      {"evidence-v1.json", "e15c44796beabf46abcec7c57e590942041e47497e4ec27571c8b7664f48dced"},
      {"evidence-v2.json", "84275b2f4312cd4fc6cbe6b152ad3c3683e513d9f1e23c34fca160c8cca7a6a7"},
      {"evidence-genoa.json", "afd689d0bb1c5f36f023fbaf574135f555a28a10c1f6b938d2a25e70c7783338"},
      {"evidence-v0.json", "e15c44796beabf46abcec7c57e590942041e47497e4ec27571c8b7664f48dced"}, // test_evaluate runs v0 and v1 alike
    };
    for (String[] c : cases) {
      var v = AzureVtpmVerifier.verify(AzureVtpmEvidence.decode(Vectors.read(DIR + c[0])), at("2026-06-01T00:00:00Z"));
      assertThat(v.pcrs().getFirst().hex()).as(c[0]).isEqualTo(c[1]);
      var r = AzureVtpmAppraiser.appraise(v, AzureVtpmAppraiser.Options.defaults());
      assertThat(r.claims()).containsKeys("pcrs", "tpm_nonce", "measurement");
      assertThatThrownBy(() -> AzureVtpmVerifier.verify(AzureVtpmEvidence.decode(Vectors.read(DIR + c[0])), at("2033-01-01T00:00:00Z")))
          .as(c[0]).isInstanceOf(AttestationException.class);
    }
    // evidence-v1's nonce is "challenge" (upstream test_evaluate).
    var v1 = AzureVtpmVerifier.verify(AzureVtpmEvidence.decode(Vectors.read(DIR + "evidence-v1.json")), at("2026-06-01T00:00:00Z"));
    assertThat(v1.quote().extraData()).isEqualTo(CHALLENGE);
  }

  /**
   * Upstream's mutations of hcl-report.bin (az_snp_vtpm/mod.rs), each refused with the typed error
   * naming what upstream's message names: report[0x1a6] = 0 "SNP version mismatch" (the SNP SPL
   * byte of REPORTED_TCB, no longer the VCEK's); report[0x6e0] + 1 "HCL variable data digest
   * doesn't match SNP report data"; report[0x540] = 0 "Failed to get AKpub". And a changed PCR.
   */
  @Test
  void upstreamMutationsAndPcrTamperingAreRejected() throws Exception {
    ObjectNode base = (ObjectNode) JSON.readTree(legacy());
    Object[][] mutations = {
      {0x1a6, 0, "report.reported_tcb: REPORTED_TCB"},
      {0x6e0, -1, "hcl_report.runtime_claims: SHA-256 of the runtime claims does not match the SNP report data"},
      {0x540, 0, "hcl_report.claims: runtime claims are not JSON with an RSA HCLAkPub key"},
    };
    for (Object[] m : mutations) {
      int at = (Integer) m[0];
      int value = (Integer) m[1];
      ObjectNode n = base.deepCopy();
      ArrayNode report = (ArrayNode) n.get("report");
      int old = report.get(at).asInt();
      report.set(at, value < 0 ? (old + 1) & 0xFF : value);
      assertThatThrownBy(() -> AzureVtpmVerifier.verify(AzureVtpmEvidence.decode(JSON.writeValueAsBytes(n)), at("2024-01-01T00:00:00Z")))
          .as("byte 0x%x", at).isInstanceOf(AttestationException.class).hasMessageStartingWith((String) m[2]);
    }
    ObjectNode pcr = base.deepCopy();
    ((ArrayNode) pcr.get("tpm_quote").get("pcrs")).set(0, "00".repeat(32));
    assertThatThrownBy(() -> AzureVtpmVerifier.verify(AzureVtpmEvidence.decode(JSON.writeValueAsBytes(pcr)), at("2024-01-01T00:00:00Z")))
        .isInstanceOfSatisfying(AttestationException.class, e -> assertThat(e.field()).isEqualTo("tpm_quote.pcr_digest"));
  }

  @Test
  void anyBitFlipInTheQuoteOrItsSignatureIsRejected() throws Exception {
    ObjectNode base = (ObjectNode) JSON.readTree(legacy());
    Random r = new Random(8018);
    for (String field : new String[] {"message", "signature"}) {
      byte[] v = java.util.HexFormat.of().parseHex(base.get("tpm_quote").get(field).asText());
      for (int i = 0; i < 60; i++) {
        byte[] bad = v.clone();
        int bit = r.nextInt(bad.length * 8);
        bad[bit / 8] ^= (byte) (1 << (bit % 8));
        ObjectNode n = base.deepCopy();
        ((ObjectNode) n.get("tpm_quote")).put(field, java.util.HexFormat.of().formatHex(bad));
        assertThatThrownBy(() -> AzureVtpmVerifier.verify(AzureVtpmEvidence.decode(JSON.writeValueAsBytes(n)), at("2024-01-01T00:00:00Z")))
            .as(field + " bit " + bit).isInstanceOf(AttestationException.class);
      }
    }
  }
}
