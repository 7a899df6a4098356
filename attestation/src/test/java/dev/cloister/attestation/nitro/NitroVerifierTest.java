package dev.cloister.attestation.nitro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.testing.Vectors;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real Nitro Enclaves attestation documents from evervault/attestation-doc-validation@084ba28
 * (test-data/), each inside and outside the validity window of its certificates (INDEX.md §4).
 */
class NitroVerifierTest {
  static final String PREFIX = "attestation-doc-validation/";
  static final String DIR = PREFIX + "test-data/";
  static final String SPECS = PREFIX + "test-specs/";

  static Clock at(String t) {
    return Clock.fixed(Instant.parse(t), ZoneOffset.UTC);
  }

  @Test
  void betaDocumentVerifiesInsideItsWindowAndNotOutside() throws Exception {
    byte[] doc = Vectors.read(DIR + "beta/valid-attestation-doc-bytes");
    VerifiedNitroDocument v = NitroVerifier.verify(doc, at("2022-10-13T10:00:00Z"));
    NitroDocument d = v.document();
    assertThat(v.platform()).isEqualTo(PlatformKind.HARDWARE);
    assertThat(d.debugMode()).isFalse();
    assertThat(d.pcrs().get(0).hex()).startsWith("f4d48b81");
    assertThat(d.pcrs().get(8).hex()).startsWith("8790eb3c");
    assertThat(d.nonce()).isPresent();
    assertThat(NitroAppraiser.appraise(v, NitroAppraiser.Options.defaults()).status()).isEqualTo(TrustTier.AFFIRMING);
    assertThatThrownBy(() -> NitroVerifier.verify(doc, at("2022-10-13T12:00:00Z")))
        .isInstanceOfSatisfying(VerificationException.class, e -> assertThat(e.field()).endsWith(".validity"));
    assertThatThrownBy(() -> NitroVerifier.verify(doc, at("2026-11-28T00:00:00Z"))).isInstanceOf(VerificationException.class);
  }

  @Test
  void debugDocumentIsGenuineButRefusedByDefault() throws Exception {
    VerifiedNitroDocument d = NitroVerifier.verify(Vectors.read(DIR + "beta/debug-mode-attestation-doc-bytes"), at("2022-10-12T15:00:00Z"));
    assertThat(d.document().debugMode()).isTrue();
    assertThat(NitroAppraiser.appraise(d, NitroAppraiser.Options.defaults()).firstFailure()).map(Check::name).contains("debug");
    assertThat(NitroAppraiser.appraise(d, new NitroAppraiser.Options(true, Map.of(), Optional.empty(), Optional.empty(), Optional.empty())).status())
        .isEqualTo(TrustTier.AFFIRMING);
  }

  @Test
  void gaDocumentCarriesTheCertificatesPublicKeyAsUserData() throws Exception {
    byte[] doc = Base64.getMimeDecoder().decode(Vectors.read(DIR + "valid-attestation-doc-base64"));
    VerifiedNitroDocument d = NitroVerifier.verify(doc, at("2023-09-18T15:10:00Z"));
    X509Certificate tls = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Vectors.read(DIR + "valid-certificate.der")));
    // The GA sample comes from a debug-mode enclave (its spec expects all-zero PCRs).
    assertThat(d.document().debugMode()).isTrue();
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

  /**
   * Every upstream spec (test-specs/beta/*.json and ga/*.json): the document verifies at the spec's
   * epoch (beta: 1674054914, the time upstream's tests pin; ga gives none, so the document's own
   * timestamp), and pinning the spec's PCRs passes exactly when it says {@code shouldPcrsMatch}.
   * Upstream does not judge debug mode, so it is allowed here.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
    "beta/valid_attestation_doc_check_pcr8_only_time_sensitive.json",
    "beta/valid_attestation_doc_in_cert_incorrect_pcrs_time_sensitive.json",
    "beta/valid_attestation_doc_in_cert_der_encoding_time_sensitive.json",
    "beta/valid_attestation_doc_in_cert_time_sensitive.json",
    "beta/valid_attestation_doc_in_non_debug_mode_with_correct_pcrs_time_sensitive.json",
    "ga/valid_attestation_doc_ga.json"})
  void upstreamSpecs(String spec) throws Exception {
    JsonNode s = new ObjectMapper().readTree(Vectors.read(SPECS + spec));
    boolean ga = s.has("attestationDoc");
    byte[] doc = ga ? Base64.getMimeDecoder().decode(Vectors.read(PREFIX + s.get("attestationDoc").asText()))
        : fromCert(PREFIX + s.get("file").asText());
    Clock epoch = ga ? Clock.fixed(NitroDocument.parse(doc).timestamp(), ZoneOffset.UTC) : Clock.fixed(Instant.ofEpochSecond(1674054914L), ZoneOffset.UTC);
    assertThat(s.get("isAttestationDocValid").asBoolean()).isTrue(); // every spec's document is valid
    VerifiedNitroDocument v = NitroVerifier.verify(doc, epoch);
    assertThat(v.platform()).isEqualTo(PlatformKind.HARDWARE);

    Map<Integer, Octets> pinned = new java.util.TreeMap<>();
    List<String> notDigests = new java.util.ArrayList<>();
    s.get("pcrs").properties().forEach(e -> {
      int index = Integer.parseInt(e.getKey().substring("pcr".length()));
      try {
        pinned.put(index, Octets.fromHex(e.getValue().asText()));
      } catch (IllegalArgumentException notHex) {
        notDigests.add(e.getKey()); // "…incorrect…": no digest can ever equal it
      }
    });
    Optional<Octets> userData = ga
        ? Optional.of(Octets.copyOf(((X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(Vectors.read(PREFIX + s.get("cert").asText())))).getPublicKey().getEncoded()))
        : Optional.empty();
    var r = NitroAppraiser.appraise(v, new NitroAppraiser.Options(true, pinned, Optional.empty(), userData, Optional.empty()));
    List<String> pcrChecks = r.checks().stream().map(Check::name).filter(n -> n.startsWith("pcr")).toList();
    assertThat(pcrChecks).hasSize(pinned.size());
    if (s.get("shouldPcrsMatch").asBoolean()) {
      assertThat(notDigests).isEmpty();
      assertThat(r.status()).as(r.checks().toString()).isEqualTo(TrustTier.AFFIRMING);
    } else {
      // The incorrect-PCRs spec: PCR0 and PCR8 all zero, PCR1 and PCR2 not even hex.
      assertThat(notDigests).containsExactly("pcr1", "pcr2");
      assertThat(r.checks()).filteredOn(Check::failed).extracting(Check::name).containsExactly("pcr0", "pcr8");
      assertThat(r.firstFailure().orElseThrow().detail()).isEqualTo("got " + v.document().pcrs().get(0).hex() + ", expected " + "00".repeat(48));
    }
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

  /** RFC 9052 section 2: the same message with the COSE_Sign1 tag (18, CBOR 0xd2) is accepted. */
  @Test
  void taggedCoseSign1Verifies() throws Exception {
    byte[] doc = Vectors.read(DIR + "beta/valid-attestation-doc-bytes");
    VerifiedNitroDocument v = NitroVerifier.verify(tagged(new byte[] {(byte) 0xd2}, doc), at("2022-10-13T10:00:00Z"));
    assertThat(v.document().pcrs()).isEqualTo(NitroDocument.parse(doc).pcrs());
    assertThat(v.document().pcrs().get(0).hex()).startsWith("f4d48b81");
    assertThat(NitroAppraiser.appraise(v, NitroAppraiser.Options.defaults()).status()).isEqualTo(TrustTier.AFFIRMING);
  }

  @Test
  void aSecondTagOrAnyOtherTagIsRefused() throws Exception {
    byte[] doc = Vectors.read(DIR + "beta/valid-attestation-doc-bytes");
    assertThatThrownBy(() -> NitroDocument.parse(tagged(new byte[] {(byte) 0xd2, (byte) 0xd2}, doc)))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.getMessage())
            .isEqualTo("nitro.cose.tag: the COSE_Sign1 tag (18) must appear once; it wraps another tag (18)"));
    // Tag 98 is COSE_Sign (RFC 9052 table 1), a different structure; 24 is "encoded CBOR".
    assertThatThrownBy(() -> NitroDocument.parse(tagged(new byte[] {(byte) 0xd8, 98}, doc)))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.getMessage())
            .isEqualTo("nitro.cose.tag: CBOR tag 98 is not the COSE_Sign1 tag (18)"));
    assertThatThrownBy(() -> NitroDocument.parse(tagged(new byte[] {(byte) 0xd8, 24}, doc)))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.getMessage())
            .isEqualTo("nitro.cose.tag: CBOR tag 24 is not the COSE_Sign1 tag (18)"));
  }

  static byte[] tagged(byte[] tags, byte[] doc) {
    byte[] out = java.util.Arrays.copyOf(tags, tags.length + doc.length);
    System.arraycopy(doc, 0, out, tags.length, doc.length);
    return out;
  }

  /**
   * A genuine document whose bundle is cut to start at AWS's first intermediate, with that
   * intermediate trusted as a root: the chain and signature verify, but the root is not AWS's
   * pinned one, so the verifier labels it simulated and the default appraisal refuses it.
   */
  @Test
  void aChainFromANonAwsRootIsSimulated() throws Exception {
    NitroDocument d = NitroDocument.parse(Vectors.read(DIR + "beta/valid-attestation-doc-bytes"));
    List<X509Certificate> cut = d.cabundle().subList(1, d.cabundle().size());
    NitroDocument fromIntermediate = new NitroDocument(d.cose(), d.moduleId(), d.digest(), d.timestamp(), d.pcrs(), d.certificate(), cut,
        d.publicKey(), d.userData(), d.nonce());
    VerifiedNitroDocument v = NitroVerifier.verify(fromIntermediate, List.of(cut.getFirst(), NitroVerifier.awsRoot()), at("2022-10-13T10:00:00Z"));
    assertThat(v.root()).isEqualTo(cut.getFirst());
    assertThat(v.platform()).isEqualTo(PlatformKind.SIMULATED);
    var r = NitroAppraiser.appraise(v, NitroAppraiser.Options.defaults());
    assertThat(r.platform()).isEqualTo(PlatformKind.SIMULATED);
    assertThat(r.claims()).containsEntry("platform", "simulated");
    assertThat(r.checks()).filteredOn(Check::failed).extracting(Check::name, Check::detail).containsExactly(org.assertj.core.groups.Tuple.tuple(
        "platform", "the document chains to a root other than AWS's pinned Nitro root, and simulation is not allowed"));
    var allowed = new NitroAppraiser.Options(false, Map.of(), Optional.empty(), Optional.empty(), Optional.empty(), true);
    assertThat(NitroAppraiser.appraise(v, allowed).status()).isEqualTo(TrustTier.AFFIRMING);
  }
}
