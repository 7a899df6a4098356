package dev.cloister.attestation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class CertificatesTest {

  @Test
  void commonNameIsReadFromTheSubject() throws Exception {
    assertThat(Certificates.commonName(certificate("CN=Intel SGX PCK Certificate,O=Intel Corporation"))).isEqualTo("Intel SGX PCK Certificate");
    assertThat(Certificates.commonName(certificate("O=No Common Name"))).isEmpty();
  }

  /**
   * A certificate inside evidence is read before its signature is checked; a CN whose UTF8String
   * holds bytes that are not UTF-8 (found by AzureTdxEvidenceFuzzTest in CI) must give a name no
   * verifier accepts, not an IllegalArgumentException out of BouncyCastle.
   */
  @Test
  void aCommonNameThatIsNotUtf8IsUndecodableNotAnUncheckedException() throws Exception {
    byte[] der = certificate("CN=Intel SGX PCK Certificate").getEncoded();
    byte[] name = "SGX PCK".getBytes(StandardCharsets.US_ASCII);
    int at = lastIndexOf(der, name); // the issuer carries the same name first; the subject comes after it
    assertThat(at).isPositive();
    der[at] = (byte) 0xff;
    der[at + 1] = (byte) 0xfe;
    X509Certificate broken = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));

    String cn = Certificates.commonName(broken);

    assertThat(cn).isEqualTo(Certificates.UNDECODABLE_CN).doesNotContain("SGX PCK Certificate").doesNotContain("CA").doesNotContain("SGX TCB Signing");
  }

  private static X509Certificate certificate(String subject) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    KeyPair k = g.generateKeyPair();
    X500Name n = new X500Name(subject);
    var holder = new JcaX509v3CertificateBuilder(n, BigInteger.ONE, new Date(0), new Date(4_000_000_000_000L), n, k.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(k.getPrivate()));
    return new JcaX509CertificateConverter().getCertificate(holder);
  }

  private static int lastIndexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = hay.length - needle.length; i >= 0; i--) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
