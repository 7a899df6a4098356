package dev.cloister.attestation.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.azure.AzureTdxVtpmEvidence;
import dev.cloister.attestation.azure.AzureVtpmEvidence;
import dev.cloister.attestation.dcap.evidence.SgxEvidence;
import dev.cloister.attestation.dcap.evidence.TdxEvidence;
import dev.cloister.attestation.dcap.tcb.IntelCollateral;
import dev.cloister.attestation.snp.evidence.SnpEvidenceCodec;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every JSON evidence decoder reads through {@link StrictJson}: a document with a key twice, or
 * with content after it, is refused naming the document, before any field is looked at (a lenient
 * reader keeps the last duplicate, which another reader of the same signed bytes may not).
 */
class StrictJsonTest {
  interface Decoder {
    void decode(byte[] json) throws MalformedEvidenceException;
  }

  static Stream<Arguments> decoders() {
    return Stream.of(
        Arguments.of("evidence", (Decoder) SnpEvidenceCodec::decodeTrusteeJson),
        Arguments.of("az_snp_vtpm", (Decoder) AzureVtpmEvidence::decode),
        Arguments.of("az_tdx_vtpm", (Decoder) AzureTdxVtpmEvidence::decode),
        Arguments.of("tdx_evidence", (Decoder) TdxEvidence::decode),
        Arguments.of("sgx_evidence", (Decoder) SgxEvidence::decode),
        Arguments.of("collateral", (Decoder) IntelCollateral::fromDcapQvlJson));
  }

  static ThrowingCallable decoding(Decoder d, String json) {
    return () -> d.decode(json.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("decoders")
  void aDuplicateKeyIsRefused(String field, Decoder d) {
    assertThatThrownBy(decoding(d, "{\"quote\": \"AA==\", \"quote\": \"AQ==\"}"))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> {
          assertThat(e.field()).isEqualTo(field);
          assertThat(e.detail()).isEqualTo("not strict JSON: duplicate key 'quote'");
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("decoders")
  void contentAfterTheDocumentIsRefused(String field, Decoder d) {
    assertThatThrownBy(decoding(d, "{} {}"))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> {
          assertThat(e.field()).isEqualTo(field);
          assertThat(e.detail()).isEqualTo("not strict JSON: content after the JSON value");
        });
  }

  @Test
  void anUnknownFieldIsNamedWithTheKnownOnes() throws Exception {
    var n = StrictJson.object("{\"quote\": 1, \"extra\": 2}".getBytes(StandardCharsets.UTF_8), "doc");
    assertThatThrownBy(() -> StrictJson.onlyKnown(n, "doc", java.util.Set.of("quote")))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> {
          assertThat(e.field()).isEqualTo("doc.extra");
          assertThat(e.detail()).isEqualTo("unknown field (known: quote)");
        });
  }

  @Test
  void aDocumentOverItsBoundIsRefusedUnread() {
    assertThatThrownBy(() -> StrictJson.object(new byte[11], "doc", 10))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e ->
            assertThat(e.getMessage()).isEqualTo("doc: larger than 10 bytes"));
  }
}
