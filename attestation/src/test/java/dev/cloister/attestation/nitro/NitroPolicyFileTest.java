package dev.cloister.attestation.nitro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Nitro policy file, and a file pinning PCRs applied to evervault@084ba28's real document. */
class NitroPolicyFileTest {
  static final String SPEC = NitroVerifierTest.SPECS + "beta/valid_attestation_doc_in_non_debug_mode_with_correct_pcrs_time_sensitive.json";

  static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void readsEveryKey() {
    NitroAppraiser.Options o = NitroPolicyFile.parse(json("""
        {"allow_debug": true, "pcrs": {"0": "%s", "8": "%s"}, "nonce": "0102", "user_data": "0304", "public_key": "0506", "cel": "claims.debug"}
        """.formatted("11".repeat(48), "22".repeat(48))));
    assertThat(o.allowDebug()).isTrue();
    assertThat(o.pcrs()).isEqualTo(Map.of(0, Octets.fromHex("11".repeat(48)), 8, Octets.fromHex("22".repeat(48))));
    assertThat(o.nonce()).contains(Octets.fromHex("0102"));
    assertThat(o.userData()).contains(Octets.fromHex("0304"));
    assertThat(o.publicKey()).contains(Octets.fromHex("0506"));
    assertThat(o.allowSimulated()).isFalse();
    assertThat(o.cel()).isPresent();
    assertThatThrownBy(() -> NitroPolicyFile.parse(json("{\"pcr0\": \"00\"}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown key 'pcr0'");
    assertThatThrownBy(() -> NitroPolicyFile.parse(json("{\"pcrs\": {\"32\": \"00\"}}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pcrs: index '32' is not 0..31");
    assertThatThrownBy(() -> NitroPolicyFile.parse(json("{\"pcrs\": {\"0\": \"" + "00".repeat(32) + "\"}}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pcrs.0: a Nitro PCR is 48 bytes (SHA-384), got 32");
    assertThatThrownBy(() -> NitroPolicyFile.parse(json("{\"nonce\": \"00\", \"nonce\": \"01\"}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duplicate key 'nonce'");
  }

  /** Upstream's spec pins the document's PCR0, 1, 2 and 8 at 1674054914; PCR0 changed by one byte refuses it. */
  @Test
  void aPcr0OtherThanTheDocumentsRefusesIt() throws Exception {
    JsonNode spec = new ObjectMapper().readTree(Vectors.read(SPEC));
    byte[] doc = NitroVerifierTest.fromCert(NitroVerifierTest.PREFIX + spec.get("file").asText());
    VerifiedNitroDocument v = NitroVerifier.verify(doc, Clock.fixed(Instant.ofEpochSecond(1674054914L), ZoneOffset.UTC));
    String pcr0 = spec.get("pcrs").get("pcr0").asText();
    String pcr8 = spec.get("pcrs").get("pcr8").asText();
    AttestationResult pinned = NitroAppraiser.appraise(v, NitroPolicyFile.parse(json("{\"pcrs\": {\"0\": \"" + pcr0 + "\", \"8\": \"" + pcr8 + "\"}}")));
    assertThat(pinned.status()).as(pinned.checks().toString()).isEqualTo(TrustTier.AFFIRMING);
    String other = (pcr0.charAt(0) == '0' ? "1" : "0") + pcr0.substring(1);
    AttestationResult refused = NitroAppraiser.appraise(v, NitroPolicyFile.parse(json("{\"pcrs\": {\"0\": \"" + other + "\"}}")));
    assertThat(refused.status()).isEqualTo(TrustTier.CONTRAINDICATED);
    Check failed = refused.firstFailure().orElseThrow();
    assertThat(failed.name()).isEqualTo("pcr0");
    assertThat(failed.detail()).isEqualTo("got " + pcr0 + ", expected " + other);
    assertThat(NitroAppraiser.appraise(v, NitroAppraiser.Options.defaults()).status()).isEqualTo(TrustTier.AFFIRMING);
    AttestationResult cel = NitroAppraiser.appraise(v, NitroPolicyFile.parse(json("{\"cel\": \"claims.pcrs['0'] == '" + other + "'\"}")));
    assertThat(cel.firstFailure().orElseThrow()).isEqualTo(Check.fail("cel", "policy returned false"));
    assertThat(NitroAppraiser.appraise(v, NitroPolicyFile.parse(json("{\"cel\": \"claims.pcrs['0'] == '" + pcr0 + "'\"}"))).status())
        .isEqualTo(TrustTier.AFFIRMING);
    assertThat(Optional.of(refused.claims().get("debug"))).contains(false);
  }
}
