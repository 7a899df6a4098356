package dev.cloister.attestation.nitro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.testing.Vectors;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Real Nitro Enclaves attestation documents from evervault/attestation-doc-validation@084ba28
 * (test-data/), each inside and outside the validity window of its certificates (INDEX.md §4).
 */
class NitroVerifierTest {
  static final String DIR = "attestation-doc-validation/test-data/";

  static Clock at(String t) {
    return Clock.fixed(Instant.parse(t), ZoneOffset.UTC);
  }

  @Test
  void betaDocumentVerifiesInsideItsWindowAndNotOutside() throws Exception {
    byte[] doc = Vectors.read(DIR + "beta/valid-attestation-doc-bytes");
    NitroDocument d = NitroVerifier.verify(doc, at("2022-10-13T10:00:00Z"));
    assertThat(d.debugMode()).isFalse();
    assertThat(d.pcrs().get(0).hex()).startsWith("f4d48b81");
    assertThat(d.pcrs().get(8).hex()).startsWith("8790eb3c");
    assertThat(d.nonce()).isPresent();
    assertThat(NitroAppraiser.appraise(d, NitroAppraiser.Options.defaults()).status()).isEqualTo(TrustTier.AFFIRMING);
    assertThatThrownBy(() -> NitroVerifier.verify(doc, at("2022-10-13T12:00:00Z")))
        .isInstanceOfSatisfying(VerificationException.class, e -> assertThat(e.field()).endsWith(".validity"));
    assertThatThrownBy(() -> NitroVerifier.verify(doc, at("2026-11-28T00:00:00Z"))).isInstanceOf(VerificationException.class);
  }

  @Test
  void debugDocumentIsGenuineButRefusedByDefault() throws Exception {
    NitroDocument d = NitroVerifier.verify(Vectors.read(DIR + "beta/debug-mode-attestation-doc-bytes"), at("2022-10-12T15:00:00Z"));
    assertThat(d.debugMode()).isTrue();
    assertThat(NitroAppraiser.appraise(d, NitroAppraiser.Options.defaults()).firstFailure()).map(Check::name).contains("debug");
    assertThat(NitroAppraiser.appraise(d, new NitroAppraiser.Options(true, Map.of(), Optional.empty(), Optional.empty(), Optional.empty())).status())
        .isEqualTo(TrustTier.AFFIRMING);
  }

  @Test
  void gaDocumentCarriesTheCertificatesPublicKeyAsUserData() throws Exception {
    byte[] doc = Base64.getMimeDecoder().decode(Vectors.read(DIR + "valid-attestation-doc-base64"));
    NitroDocument d = NitroVerifier.verify(doc, at("2023-09-18T15:10:00Z"));
    X509Certificate tls = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Vectors.read(DIR + "valid-certificate.der")));
    // The GA sample comes from a debug-mode enclave (its spec expects all-zero PCRs).
    assertThat(d.debugMode()).isTrue();
    var o = new NitroAppraiser.Options(true, Map.of(), Optional.empty(), Optional.of(Octets.copyOf(tls.getPublicKey().getEncoded())), Optional.empty());
    var r = NitroAppraiser.appraise(d, o);
    assertThat(r.status()).as(r.checks().toString()).isEqualTo(TrustTier.AFFIRMING);
    assertThatThrownBy(() -> NitroVerifier.verify(doc, at("2023-09-18T18:00:00Z"))).isInstanceOf(VerificationException.class);
  }

  /** The evervault "cage" certificates carry the document hex-encoded in a SAN DNS name. */
  static byte[] fromCert(String file) throws Exception {
    X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Vectors.read(file)));
    for (List<?> san : c.getSubjectAlternativeNames()) {
      StringBuilder hex = new StringBuilder();
      for (String label : String.valueOf(san.get(1)).split("\\.")) {
        if (label.matches("[0-9a-f]+")) {
          hex.append(label); // DNS labels are at most 63 characters, so the document spans many
        }
      }
      if (hex.length() > 200) {
        return HexFormat.of().parseHex(hex.toString());
      }
    }
    throw new AssertionError("no document in " + file);
  }

  // test-specs/beta/*.json: valid at epoch 1674054914 (2023-01-18T15:15:14Z); PCR match true, except
  // the "incorrect_pcrs" spec.
  @Test
  void documentsInsideCertificatesAndPcrPinning() throws Exception {
    Clock t = at("2023-01-18T15:15:14Z");
    NitroDocument d = NitroVerifier.verify(fromCert(DIR + "beta/non-debug-cert-containing-attestation-document-18-1-23.pem"), t);
    assertThat(d.pcrs().get(0).hex()).startsWith("d265a83f");
    var pinned = Map.of(0, d.pcrs().get(0), 8, d.pcrs().get(8));
    assertThat(NitroAppraiser.appraise(d, new NitroAppraiser.Options(false, pinned, Optional.empty(), Optional.empty(), Optional.empty())).status())
        .isEqualTo(TrustTier.AFFIRMING);
    var wrong = Map.of(2, Octets.zeros(48));
    assertThat(NitroAppraiser.appraise(d, new NitroAppraiser.Options(false, wrong, Optional.empty(), Optional.empty(), Optional.empty())).firstFailure())
        .map(Check::name).contains("pcr2");
    NitroDocument der = NitroVerifier.verify(fromCert(DIR + "beta/non-debug-cert-containing-attestation-document-18-1-23-der.crt"), t);
    assertThat(der.pcrs()).isEqualTo(d.pcrs());
    NitroDocument debug = NitroVerifier.verify(fromCert(DIR + "beta/debug-mode-cert-containing-attestation-doc-18-1-23.pem"), t);
    assertThat(debug.debugMode()).isTrue();
  }

  @Test
  void anyBitFlipInTheSignedDocumentIsRejected() throws Exception {
    byte[] doc = Vectors.read(DIR + "beta/valid-attestation-doc-bytes");
    Random r = new Random(35);
    for (int i = 0; i < 300; i++) {
      byte[] bad = doc.clone();
      int bit = r.nextInt(bad.length * 8);
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThatThrownBy(() -> NitroVerifier.verify(bad, at("2022-10-13T10:00:00Z"))).as("bit " + bit).isInstanceOf(AttestationException.class);
    }
  }

  @Test
  void rootIsPinnedAndOtherRootsAreRefused() throws Exception {
    NitroDocument d = NitroDocument.parse(Vectors.read(DIR + "beta/valid-attestation-doc-bytes"));
    assertThat(d.cabundle().getFirst()).isEqualTo(NitroVerifier.awsRoot());
    assertThatThrownBy(() -> NitroVerifier.verify(d, List.of(d.certificate()), at("2022-10-13T10:00:00Z")))
        .isInstanceOfSatisfying(VerificationException.class, e -> assertThat(e.field()).isEqualTo("nitro.cabundle[0]"));
  }
}
