package dev.cloister.attestation.refvalue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SignedReferenceValuesTest {
  static final Instant T = Instant.parse("2026-11-28T00:00:00Z");

  @Test
  void acceptsOnlyTrustedSignedValidValues() throws Exception {
    ECKey pipeline = new ECKeyGenerator(Curve.P_256).keyID("ci").generate();
    ECKey other = new ECKeyGenerator(Curve.P_256).keyID("ci").generate();
    ReferenceValue rv = new ReferenceValue("image", "1.2.3", "sev-snp", "ab".repeat(48), T, Optional.of(T.plusSeconds(3600)));
    String doc = SignedReferenceValues.sign(rv, pipeline);
    assertThat(SignedReferenceValues.verify(doc, List.of(pipeline.toPublicJWK()), T.plusSeconds(10))).isEqualTo(rv);
    assertThatThrownBy(() -> SignedReferenceValues.verify(doc, List.of(other.toPublicJWK()), T.plusSeconds(10)))
        .hasMessageContaining("does not verify");
    assertThatThrownBy(() -> SignedReferenceValues.verify(doc, List.of(), T.plusSeconds(10))).hasMessageContaining("not a trusted");
    assertThatThrownBy(() -> SignedReferenceValues.verify(doc, List.of(pipeline.toPublicJWK()), T.plusSeconds(7200)))
        .hasMessageContaining("not valid at");
    String unsigned = "{\"name\":\"image\",\"version\":\"1\",\"kind\":\"sev-snp\",\"measurement\":\"" + "ab".repeat(48) + "\"}";
    assertThatThrownBy(() -> SignedReferenceValues.verify(unsigned, List.of(pipeline.toPublicJWK()), T)).hasMessageContaining("unsigned");
    String[] parts = doc.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1])).replace("1.2.3", "1.2.4");
    String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes()) + "." + parts[2];
    assertThatThrownBy(() -> SignedReferenceValues.verify(forged, List.of(pipeline.toPublicJWK()), T.plusSeconds(10)))
        .hasMessageContaining("does not verify");
    assertThatThrownBy(() -> new ReferenceValue("image", "1", "sev-snp", "short", T, Optional.empty())).hasMessageContaining("96");
  }
}
