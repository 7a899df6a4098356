package dev.cloister.attestation.snp.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.snp.verify.SnpEvidence;
import dev.cloister.attestation.snp.verify.SnpVerifier;
import dev.cloister.attestation.snp.verify.VerifiedSnpReport;
import dev.cloister.attestation.snp.verify.VerifyOptions;
import dev.cloister.attestation.testing.Vectors;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnpEvidenceCodecTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRUSTEE_E2E = "trustee/attestation-service/tests/e2e/evidence.json";

  static VerifyOptions at(String t) {
    return VerifyOptions.builder().clock(Clock.fixed(Instant.parse(t), ZoneOffset.UTC)).build();
  }

  // confidential-containers/trustee@78962cd attestation-service/tests/e2e/evidence.json: a real Genoa-family
  // v3 report with its VCEK (2025-05-27..2032-05-27); upstream test_dynamic_evidence. The INDEX's
  // _derived/evidence.report.bin is the same report rebuilt independently: our decoding must equal it.
  @Test
  void trusteeJsonDecodesToTheExactBinaryReportAndVerifies() throws Exception {
    SnpEvidence e = SnpEvidenceCodec.decode(Vectors.read(TRUSTEE_E2E));
    assertThat(e.report().toByteArray())
        .isEqualTo(Vectors.read("trustee/attestation-service/tests/e2e/_derived/evidence.report.bin"));
    assertThat(e.vek().orElseThrow().getEncoded())
        .isEqualTo(Vectors.read("trustee/attestation-service/tests/e2e/_derived/evidence.vcek.der"));
    VerifiedSnpReport v = SnpVerifier.verify(e, at("2026-01-01T00:00:00Z"));
    assertThat(v.product()).isEqualTo(ProductLine.GENOA);
    assertThat(v.report().measurement().hex())
        .isEqualTo("6a6519d757e68c2e939c9dbbbc1828498e8de35d2766dd05f1a2cca5059d0cf4ae62a36d75c837974dd50b315506e73e");
    assertThatThrownBy(() -> SnpVerifier.verify(e, at("2025-05-26T00:00:00Z")))
        .isInstanceOfSatisfying(VerificationException.class, x -> assertThat(x.field()).isEqualTo("vek.validity"));
  }

  @Test
  void encodeThenDecodeRoundTrips() throws Exception {
    SnpEvidence e = SnpEvidenceCodec.decode(Vectors.read(TRUSTEE_E2E));
    byte[] json = SnpEvidenceCodec.encodeTrusteeJson(e.report(), e.vek().orElseThrow(), List.of());
    SnpEvidence again = SnpEvidenceCodec.decode(json);
    assertThat(again.report()).isEqualTo(e.report());
    assertThat(again.vek()).isEqualTo(e.vek());
  }

  @Test
  void unknownFieldIsRejectedByName() throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(Vectors.read(TRUSTEE_E2E));
    ((ObjectNode) root.get("attestation_report")).put("surprise", 1);
    assertThatThrownBy(() -> SnpEvidenceCodec.decode(JSON.writeValueAsBytes(root)))
        .isInstanceOfSatisfying(MalformedEvidenceException.class,
            ex -> assertThat(ex.field()).isEqualTo("evidence.attestation_report.surprise"));
  }

  @Test
  void wrongLengthAndRangeAreRejectedByName() throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(Vectors.read(TRUSTEE_E2E));
    ((ObjectNode) root.get("attestation_report")).putArray("measurement").add(1);
    assertThatThrownBy(() -> SnpEvidenceCodec.decode(JSON.writeValueAsBytes(root)))
        .isInstanceOfSatisfying(MalformedEvidenceException.class,
            ex -> assertThat(ex.field()).isEqualTo("evidence.attestation_report.measurement"));
    ObjectNode root2 = (ObjectNode) JSON.readTree(Vectors.read(TRUSTEE_E2E));
    ((ObjectNode) root2.get("attestation_report").get("current_tcb")).put("snp", 256);
    assertThatThrownBy(() -> SnpEvidenceCodec.decode(JSON.writeValueAsBytes(root2)))
        .isInstanceOfSatisfying(MalformedEvidenceException.class,
            ex -> assertThat(ex.field()).isEqualTo("evidence.attestation_report.current_tcb.snp"));
  }

  @Test
  void garbageIsAParseError() {
    assertThatThrownBy(() -> SnpEvidenceCodec.decode("{not json".getBytes()))
        .isInstanceOf(MalformedEvidenceException.class);
    assertThatThrownBy(() -> SnpEvidenceCodec.decode(new byte[10]))
        .isInstanceOf(MalformedEvidenceException.class);
  }

  // Azure SEV-SNP confidential VMs: the HCL report carries the SNP report at bytes [32, 1216).
  // confidential-containers/trustee@78962cd deps/verifier/test_data/az-snp-vtpm/: hcl-report.bin with
  // vcek.pem (VCEK 2023-05-02..2030-05-02), evidence-v0/-genoa.json (report as a byte list),
  // evidence-v1/-v2.json (hcl_report base64url); upstream az_snp_vtpm test_verify_snp_report, test_evaluate*.
  @Test
  void azureHclEmbeddedReportsVerify() throws Exception {
    String dir = "trustee/deps/verifier/test_data/az-snp-vtpm/";
    check(embedded(Vectors.read(dir + "hcl-report.bin")), certs(Vectors.read(dir + "vcek.pem")).getFirst(), "2024-01-01T00:00:00Z", ProductLine.MILAN);
    for (String f : List.of("evidence-v0.json", "evidence-v1.json", "evidence-v2.json", "evidence-genoa.json")) {
      JsonNode n = JSON.readTree(Vectors.read(dir + f));
      byte[] hcl;
      if (n.has("report")) {
        hcl = new byte[n.get("report").size()];
        for (int i = 0; i < hcl.length; i++) {
          hcl[i] = (byte) n.get("report").get(i).asInt();
        }
      } else {
        hcl = Base64.getUrlDecoder().decode(n.get("hcl_report").asText());
      }
      String vcekText = n.get("vcek").asText(); // PEM in v0/genoa, bare base64 or base64url DER in v1/v2
      byte[] vcekBytes = vcekText.startsWith("-----") ? vcekText.getBytes() : Base64.getMimeDecoder().decode(vcekText.replace('-', '+').replace('_', '/'));
      X509Certificate vcek = certs(vcekBytes).getFirst();
      check(embedded(hcl), vcek, "2026-06-01T00:00:00Z", f.contains("genoa") ? ProductLine.GENOA : ProductLine.MILAN);
    }
  }

  private static void check(SnpReport r, X509Certificate vcek, String at, ProductLine product) throws Exception {
    VerifiedSnpReport v = SnpVerifier.verify(SnpEvidence.of(r, vcek), at(at));
    assertThat(v.product()).isEqualTo(product);
    assertThatThrownBy(() -> SnpVerifier.verify(SnpEvidence.of(r, vcek), at("2033-01-01T00:00:00Z")))
        .isInstanceOfSatisfying(VerificationException.class, x -> assertThat(x.field()).isEqualTo("vek.validity"));
  }

  private static SnpReport embedded(byte[] hcl) throws Exception {
    return SnpReport.parse(Arrays.copyOfRange(hcl, 32, 32 + SnpReport.SIZE));
  }

  private static List<X509Certificate> certs(byte[] pem) throws Exception {
    return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem)).stream()
        .map(c -> (X509Certificate) c).toList();
  }
}
