package dev.cloister.enclave.nsm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.tee.Context;
import dev.cloister.attestation.tee.Evidence;
import dev.cloister.attestation.tee.TeeFamilies;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.tee.Verdict;
import dev.cloister.enclave.linux.FakeDevice;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * NsmPlatform end to end against an NSM stand-in that signs real-format attestation documents
 * (COSE_Sign1, ES384, the NSM payload map) under a test root, for the user_data each request
 * carries: the evidence it produces is what the attestation library's nitro family verifies with
 * that root, and it binds the KBS digest as user_data. (Appraisal refuses any root but AWS's, so
 * the test root's documents are verified, bound, and still refused on {@code platform}.)
 */
@SuppressWarnings("restricted") // the stand-in NSM reads the caller's struct by address
class NsmPlatformTest {
  static final CBORMapper CBOR = new CBORMapper();
  static final byte[] PCR0 = filled(48, 0x11);

  static byte[] filled(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }

  /** A stand-in NSM: a test root, a signing certificate under it, and COSE_Sign1 documents as the NSM API describes them. */
  static final class SigningNsm implements FakeDevice.Driver {
    final KeyPair rootKey = p384();
    final KeyPair leafKey = p384();
    final X509Certificate root = cert("CN=test Nitro root", "CN=test Nitro root", rootKey.getPublic(), rootKey, true);
    final X509Certificate leaf = cert("CN=i-test-enc", "CN=test Nitro root", leafKey.getPublic(), rootKey, false);

    @Override
    public void ioctl(FakeDevice dev, long request, MemorySegment arg) {
      MemorySegment raw = arg.reinterpret(32);
      byte[] req = FakeDevice.user(raw.get(JAVA_LONG, 0), raw.get(JAVA_LONG, 8)).toArray(JAVA_BYTE);
      try {
        JsonNode a = CBOR.readTree(req).get("Attestation");
        byte[] userData = a.get("user_data").isNull() ? null : a.get("user_data").binaryValue();
        byte[] answer = NsmTest.attestationResponse(document(userData));
        MemorySegment.copy(answer, 0, FakeDevice.user(raw.get(JAVA_LONG, 16), answer.length), JAVA_BYTE, 0, answer.length);
        raw.set(JAVA_LONG, 24, answer.length);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    byte[] document(byte[] userData) throws Exception {
      ByteArrayOutputStream payload = new ByteArrayOutputStream();
      try (CBORGenerator g = CBOR.getFactory().createGenerator(payload)) {
        g.writeStartObject();
        g.writeStringField("module_id", "i-test-enc");
        g.writeStringField("digest", "SHA384");
        g.writeNumberField("timestamp", Instant.now().toEpochMilli());
        g.writeFieldName("pcrs");
        g.writeStartObject();
        for (int i = 0; i < 3; i++) {
          g.writeFieldId(i);
          g.writeBinary(i == 0 ? PCR0 : filled(48, 0x20 + i));
        }
        g.writeEndObject();
        g.writeBinaryField("certificate", leaf.getEncoded());
        g.writeFieldName("cabundle");
        g.writeStartArray();
        g.writeBinary(root.getEncoded());
        g.writeEndArray();
        g.writeNullField("public_key");
        if (userData == null) {
          g.writeNullField("user_data");
        } else {
          g.writeBinaryField("user_data", userData);
        }
        g.writeNullField("nonce");
        g.writeEndObject();
      }
      byte[] protectedHeader = {(byte) 0xA1, 0x01, 0x38, 0x22}; // {1: -35}, ES384
      byte[] toSign = CBOR.writeValueAsBytes(List.of("Signature1", protectedHeader, new byte[0], payload.toByteArray()));
      Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
      s.initSign(leafKey.getPrivate());
      s.update(toSign);
      return CBOR.writeValueAsBytes(List.of(protectedHeader, Map.of(), payload.toByteArray(), s.sign()));
    }

    private static KeyPair p384() {
      try {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        return g.generateKeyPair();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    private static X509Certificate cert(String subject, String issuer, java.security.PublicKey key, KeyPair signer, boolean ca) {
      try {
        Instant now = Instant.now();
        var b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(ca ? 1 : 2), Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofHours(3))), new X500Name(subject), key);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA384withECDSA").build(signer.getPrivate())));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Test
  void theEvidenceIsTheNitroDocumentTheBrokerVerifiesBoundToTheKbsDigest() throws Exception {
    SigningNsm nsm = new SigningNsm();
    NsmPlatform platform = NsmPlatform.open(() -> new Nsm(new FakeDevice(Path.of("/dev/nsm"), nsm)));
    assertThat(platform.tee()).isEqualTo("nitro");
    assertThat(platform.identity().measurement()).isEqualTo(Octets.copyOf(PCR0));

    byte[] digest = filled(48, 0x5C);
    JsonNode evidence = platform.evidence(digest); // KbsClient passes the nitro family's 48-byte binding, unpadded
    assertThat(evidence.isTextual()).isTrue();
    Verdict v = TeeFamilies.named("nitro").orElseThrow().evaluate(new Evidence.Json(evidence),
        Context.builder().nitroRoots(List.of(nsm.root)).build().withSessionBinding(digest));
    assertThat(v.claims()).containsEntry("user_data", Octets.copyOf(digest).hex());
    // Verified and bound; the one refusal is the root: a document not chaining to AWS's pinned root is never affirmed.
    assertThat(failing(v)).containsExactly("platform");
    assertThat(Base64.getDecoder().decode(evidence.asText())).startsWith(0x84);
  }

  @Test
  void evidenceBoundToAnotherDigestIsNotAffirmed() throws Exception {
    SigningNsm nsm = new SigningNsm();
    NsmPlatform platform = NsmPlatform.open(() -> new Nsm(new FakeDevice(Path.of("/dev/nsm"), nsm)));
    JsonNode evidence = platform.evidence(filled(48, 0x5C));
    Verdict v = TeeFamilies.named("nitro").orElseThrow().evaluate(new Evidence.Json(evidence),
        Context.builder().nitroRoots(List.of(nsm.root)).build().withSessionBinding(filled(48, 0x5D)));
    assertThat(failing(v)).contains("user_data");
  }

  static List<String> failing(Verdict v) {
    return v.appraisal().orElseThrow().checks().stream()
        .filter(c -> c.outcome() != TrustTier.AFFIRMING && c.outcome() != TrustTier.NONE).map(c -> c.name()).toList();
  }
}
