package dev.cloister.attestation.dcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.testing.Vectors;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * Where Intel's quote verification library (SGX-TDX-DCAP-QuoteVerificationLibrary@7e5b2a1) is
 * stricter than a plain signature check, on real quotes (testdata/vectors INDEX.md §2, §3) mutated
 * before their signatures are reached: Quote::validate (TEE type, v5 body type, QE vendor ID),
 * QuoteVerification.cpp (EXPECTED_CERTIFICATE_COUNT_IN_PCK_CHAIN = 3) and PckCertVerifier.cpp
 * (each certificate's role and issuer).
 */
class DcapQuoteStrictTest {
  static final String TDX_V4 = "dcap-qvl/sample/tdx_quote";
  static final Clock TDX_V4_AT = Clock.fixed(Instant.parse("2025-07-19T10:00:34Z"), ZoneOffset.UTC);
  static final String TDX_V5 = "go-tdx-guest/testing/testdata/quote_v5_sample.dat";

  @Test
  void aQuoteFromAnotherQuotingEnclaveVendorIsRefusedBeforeItsSignature() {
    byte[] q = Vectors.read(TDX_V4);
    q[12] ^= 1; // QE_VENDOR_ID, header bytes 12..27
    malformed(() -> DcapQuote.parse(q), "quote.qe_vendor_id", "not Intel's quoting enclave 939a7233f79c4ca9940a0db3957f0607");
  }

  @Test
  void aV5HeaderWhoseTeeTypeContradictsItsBodyIsRefused() {
    byte[] sgx = Vectors.read(TDX_V5);
    assertThat(sgx[4] & 0xFF).isEqualTo(0x81);
    sgx[4] = 0; // TEE type SGX over a TD report 1.5 body
    malformed(() -> DcapQuote.parse(sgx), "quote.tee_type", "SGX in the header, but body type 3 is a TD report");
    byte[] unknown = Vectors.read(TDX_V5);
    unknown[4] = (byte) 0x82;
    malformed(() -> DcapQuote.parse(unknown), "quote.tee_type", "0x00000082 is neither SGX");
  }

  @Test
  void thePckChainIsExactlyThreeCertificates() throws Exception {
    byte[] q = Vectors.read(TDX_V4);
    List<X509Certificate> chain = DcapQuote.parse(q).pckChain();
    // The rebuilt quote with its own chain still verifies: only the chain below differs.
    assertThat(DcapVerifier.verify(withPckChain(q, chain), TDX_V4_AT).quote().pckChain()).isEqualTo(chain);
    byte[] rootTwice = withPckChain(q, List.of(chain.get(0), chain.get(1), chain.get(2), chain.get(2)));
    malformed(() -> DcapQuote.parse(rootTwice), "quote.pck_cert_chain", "holds 4 certificates");
    byte[] noRoot = withPckChain(q, List.of(chain.get(0), chain.get(1)));
    malformed(() -> DcapQuote.parse(noRoot), "quote.pck_cert_chain", "holds 2 certificates");
  }

  @Test
  void theFirstCertificateMustBeAPckCertificate() throws Exception {
    byte[] q = Vectors.read(TDX_V4);
    List<X509Certificate> chain = DcapQuote.parse(q).pckChain();
    byte[] caFirst = withPckChain(q, List.of(chain.get(1), chain.get(1), chain.get(2)));
    refused(() -> DcapVerifier.verify(caFirst, TDX_V4_AT), "quote.pck_cert.subject", "'Intel SGX PCK Platform CA' is not an SGX PCK Certificate");
  }

  @Test
  void eachCertificateMustNameTheNextAsItsIssuer() throws Exception {
    // A CA key certified under a name other than the one the PCK certificate names as issuer: every
    // signature verifies, only the names disagree (Intel: STATUS_SGX_PCK_CERT_CHAIN_UNTRUSTED family).
    KeyPair rootKey = p256();
    KeyPair caKey = p256();
    KeyPair pckKey = p256();
    X509Certificate root = cert("CN=Test SGX Root CA", rootKey, "CN=Test SGX Root CA", rootKey);
    X509Certificate ca = cert("CN=Test SGX Root CA", rootKey, "CN=Test SGX PCK Platform CA", caKey);
    X509Certificate pck = cert("CN=Test SGX PCK Processor CA", caKey, "CN=Test SGX PCK Certificate", pckKey);
    byte[] q = withPckChain(Vectors.read(TDX_V4), List.of(pck, ca, root));
    refused(() -> DcapVerifier.verify(DcapQuote.parse(q), List.of(root), TDX_V4_AT), "quote.pck_cert.issuer",
        "is 'CN=Test SGX PCK Processor CA', but its issuer in the chain is 'CN=Test SGX PCK Platform CA'");
  }

  // ------------------------------------------------------------------ helpers

  static void malformed(ThrowingCallable call, String field, String detail) {
    assertThatThrownBy(call).isInstanceOfSatisfying(MalformedEvidenceException.class, e -> {
      assertThat(e.field()).isEqualTo(field);
      assertThat(e.detail()).contains(detail);
    });
  }

  static void refused(ThrowingCallable call, String field, String detail) {
    assertThatThrownBy(call).isInstanceOfSatisfying(VerificationException.class, e -> {
      assertThat(e.field()).isEqualTo(field);
      assertThat(e.detail()).contains(detail);
    });
  }

  /**
   * A version 4 or 5 quote with its embedded PCK chain (certification data type 6 wrapping type 5)
   * replaced, every enclosing length rewritten; the signed region and signatures are untouched.
   */
  static byte[] withPckChain(byte[] quote, List<X509Certificate> chain) throws Exception {
    DcapQuote parsed = DcapQuote.parse(quote);
    int sigData = parsed.signedRegion().length + 4;
    ByteBuffer b = ByteBuffer.wrap(quote).order(ByteOrder.LITTLE_ENDIAN);
    int inner = sigData + 64 + 64 + 6;
    int authLen = b.getShort(inner + 384 + 64) & 0xFFFF;
    int pemAt = inner + 384 + 64 + 2 + authLen + 6;
    ByteArrayOutputStream pem = new ByteArrayOutputStream();
    for (X509Certificate c : chain) {
      pem.write(("-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded())
          + "\n-----END CERTIFICATE-----\n").getBytes(StandardCharsets.US_ASCII));
    }
    byte[] p = pem.toByteArray();
    ByteBuffer out = ByteBuffer.allocate(pemAt + p.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put(quote, 0, pemAt).put(p);
    out.putInt(pemAt - 4, p.length);
    out.putInt(inner - 4, pemAt + p.length - inner);
    out.putInt(sigData - 4, pemAt + p.length - sigData);
    return out.array();
  }

  static KeyPair p256() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  static X509Certificate cert(String issuer, KeyPair issuerKey, String subject, KeyPair subjectKey) throws Exception {
    Date from = Date.from(Instant.parse("2025-01-01T00:00:00Z"));
    Date to = Date.from(Instant.parse("2026-01-01T00:00:00Z"));
    var b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(subject.hashCode() & 0x7fffffff), from, to, new X500Name(subject),
        subjectKey.getPublic());
    return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
  }
}
