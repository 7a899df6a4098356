package dev.cloister.attestation.tee;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The registry: exactly the six families, each upstream sample detected as its own family and by no other. */
class TeeFamiliesTest {
  @Test
  void listsExactlyTheSixFamilies() {
    assertThat(TeeFamilies.names()).containsExactly("snp", "az-snp-vtpm", "nitro", "tdx", "sgx", "az-tdx-vtpm");
    for (String name : TeeFamilies.names()) {
      assertThat(TeeFamilies.named(name)).get().extracting(TeeFamily::name).isEqualTo(name);
    }
    assertThat(TeeFamilies.named("sev")).isEmpty();
  }

  /** Upstream samples (testdata/vectors/INDEX.md), one per family and form; the family each one is, as upstream names it. */
  @ParameterizedTest
  @CsvSource({
      "go-sev-guest/verify/testdata/attestation.bin, snp",
      "trustee/deps/verifier/test_data/snp/test-report.bin, snp",
      "trustee/attestation-service/tests/e2e/evidence.json, snp",
      "trustee/deps/verifier/test_data/az-snp-vtpm/evidence-v1.json, az-snp-vtpm",
      "trustee/deps/verifier/test_data/az-tdx-vtpm/evidence-v1.json, az-tdx-vtpm",
      "attestation-doc-validation/test-data/beta/valid-attestation-doc-bytes, nitro",
      "dcap-qvl/sample/tdx_quote, tdx",
      "go-tdx-guest/testing/testdata/quote_v5_sample.dat, tdx",
      "dcap-qvl/sample/sgx_quote, sgx",
  })
  void detectsEachSampleAsItsFamilyAndNoOther(String sample, String family) {
    byte[] bytes = Vectors.read(sample);
    assertThat(TeeFamilies.detect(bytes)).get().extracting(d -> d.family().name()).isEqualTo(family);
    // Recognisers are disjoint, so the registry's order decides nothing.
    assertThat(TeeFamilies.all().stream().filter(f -> f.recognises(bytes)).map(TeeFamily::name)).containsExactly(family);
  }

  @ParameterizedTest
  @CsvSource({
      "attestation-doc-validation/test-data/beta/valid-attestation-doc-bytes, nitro",
      "dcap-qvl/sample/sgx_quote, sgx",
      "go-sev-guest/verify/testdata/attestation.bin, snp",
  })
  void detectsTheHexAndBase64TextOfABinarySample(String sample, String family) {
    byte[] bytes = Vectors.read(sample);
    for (String text : new String[] {HexFormat.of().formatHex(bytes), "0x" + HexFormat.of().formatHex(bytes), Base64.getMimeEncoder().encodeToString(bytes)}) {
      var detected = TeeFamilies.detect(text.getBytes(StandardCharsets.US_ASCII)).orElseThrow();
      assertThat(detected.family().name()).isEqualTo(family);
      assertThat(detected.bytes()).isEqualTo(bytes);
    }
  }

  @Test
  void bytesOfNoFamilyAreNotDetected() {
    assertThat(TeeFamilies.detect(new byte[1184])).isEmpty(); // an SNP-sized block whose version is 0
    assertThat(TeeFamilies.detect("{\"quote\": 5}".getBytes(StandardCharsets.UTF_8))).isEmpty();
    assertThat(TeeFamilies.detect("not evidence".getBytes(StandardCharsets.UTF_8))).isEmpty();
  }

  @Test
  void enablingAnUnknownOrNoFamilyIsRefusedNamingTheKnownOnes() {
    assertThat(TeeFamilies.enabled(Set.of("tdx", "snp")).keySet()).containsExactly("snp", "tdx");
    assertThatThrownBy(() -> TeeFamilies.enabled(Set.of("sev")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown TEE family 'sev' (known: az-snp-vtpm, az-tdx-vtpm, nitro, sgx, snp, tdx)");
    assertThatThrownBy(() -> TeeFamilies.enabled(Set.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no TEE family enabled (known: az-snp-vtpm, az-tdx-vtpm, nitro, sgx, snp, tdx)");
  }
}
