package dev.cloister.attestation.dcap;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.Certificates;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.VerificationException;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The cryptographic checks of a DCAP quote, in Intel's order: the PCK certificate chain to the
 * Intel SGX Root CA (embedded, SHA-256 pinned), each certificate issued by the next and in its role
 * as Intel's PckCertVerifier names them (PCK certificate, PCK CA), valid at the injected time; the
 * QE report signed by the PCK key; the QE report binding the attestation key (SHA-256 of key and QE
 * authentication data in its report data); and the quote signed by the attestation key. TCB status
 * from Intel collateral is a separate step.
 */
public final class DcapVerifier {
  public static final String INTEL_ROOT_SHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";
  private static final X509Certificate INTEL_ROOT = Certificates.loadPinned(DcapVerifier.class, "intel-sgx-root-ca.pem", INTEL_ROOT_SHA256);

  private DcapVerifier() {}

  public static X509Certificate intelRoot() {
    return INTEL_ROOT;
  }

  public static VerifiedDcapQuote verify(byte[] quote, Clock clock) throws AttestationException {
    return verify(DcapQuote.parse(quote), List.of(INTEL_ROOT), clock);
  }

  /**
   * @param roots the roots the PCK chain may end in; the result is labelled hardware only for Intel's
   *     pinned root, so adding another (a test's, a private PCCS's) can never make its quotes hardware
   */
  public static VerifiedDcapQuote verify(DcapQuote q, List<X509Certificate> roots, Clock clock) throws AttestationException {
    Instant now = clock.instant();
    List<X509Certificate> chain = q.pckChain();
    X509Certificate root = chain.getLast();
    if (roots.stream().noneMatch(r -> r.equals(root))) {
      throw new VerificationException("quote.pck_cert_chain.root", "'" + root.getSubjectX500Principal().getName() + "' is not a trusted Intel root");
    }
    // Intel's PckCertVerifier names each certificate's role; a chain whose roles are wrong is refused before any key is used.
    if (!Certificates.commonName(chain.getFirst()).contains("SGX PCK Certificate")) {
      throw new VerificationException("quote.pck_cert.subject", "CN '" + Certificates.commonName(chain.getFirst()) + "' is not an SGX PCK Certificate");
    }
    for (int i = 1; i < chain.size() - 1; i++) {
      if (!Certificates.commonName(chain.get(i)).contains("CA")) {
        throw new VerificationException("quote.pck_cert_chain[" + i + "].subject", "CN '" + Certificates.commonName(chain.get(i)) + "' is not a PCK CA");
      }
    }
    for (int i = chain.size() - 1; i >= 0; i--) {
      X509Certificate c = chain.get(i);
      X509Certificate issuer = i == chain.size() - 1 ? c : chain.get(i + 1);
      String field = i == 0 ? "quote.pck_cert" : "quote.pck_cert_chain[" + i + "]";
      if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
        throw new VerificationException(field + ".issuer", "is '" + c.getIssuerX500Principal().getName() + "', but its issuer in the chain is '"
            + issuer.getSubjectX500Principal().getName() + "'");
      }
      try {
        c.verify(issuer.getPublicKey());
      } catch (GeneralSecurityException e) {
        throw new VerificationException(field, "signature does not verify with its issuer's key");
      }
      Certificates.requireValid(c, field, now);
    }
    if (!ecdsa(chain.getFirst().getPublicKey(), q.qeReport(), q.qeReportSignature())) {
      throw new VerificationException("quote.qe_report_signature", "the QE report is not signed by the PCK key");
    }
    byte[] reportData = Arrays.copyOfRange(q.qeReport(), 320, 384);
    byte[] expected;
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(q.attestationKey());
      expected = d.digest(q.qeAuthData());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    if (!MessageDigest.isEqual(Arrays.copyOf(reportData, 32), expected) || !Arrays.equals(Arrays.copyOfRange(reportData, 32, 64), new byte[32])) {
      throw new VerificationException("quote.qe_report.report_data", "does not bind the attestation key and QE authentication data");
    }
    if (!ecdsa(rawP256(q.attestationKey()), q.signedRegion(), q.quoteSignature())) {
      throw new VerificationException("quote.signature", "the quote is not signed by its attestation key");
    }
    return new VerifiedDcapQuote(q, root, now);
  }


  /**
   * A quote that verified, with the checks that established it.
   *
   * @param checks in order: the PCK chain (to which root, at which time), the QE report, the quote signature
   */
  public record Verified(VerifiedDcapQuote quote, List<Check> checks) {
    public Verified {
      Objects.requireNonNull(quote, "quote");
      checks = List.copyOf(checks);
    }
  }

  /** {@link #verify(byte[], Clock)}, and what it checked, for a person to read. */
  public static Verified verifyReporting(byte[] quote, Clock clock) throws AttestationException {
    return verifyReporting(DcapQuote.parse(quote), List.of(INTEL_ROOT), clock);
  }

  /** {@link #verify(DcapQuote, List, Clock)}, and what it checked, for a person to read. */
  public static Verified verifyReporting(DcapQuote q, List<X509Certificate> roots, Clock clock) throws AttestationException {
    VerifiedDcapQuote v = verify(q, roots, clock);
    // verify() passed whole, so each step it takes held for this quote: name what each compared.
    List<X509Certificate> chain = q.pckChain();
    X509Certificate root = chain.getLast();
    StringBuilder path = new StringBuilder("the PCK certificate '" + Certificates.commonName(chain.getFirst()) + "'");
    for (X509Certificate c : chain.subList(1, chain.size() - 1)) {
      path.append(" is signed by '").append(Certificates.commonName(c)).append("', which");
    }
    path.append(" is signed by the ").append(root.equals(INTEL_ROOT) ? "pinned Intel root '" : "configured root '")
        .append(Certificates.commonName(root)).append("'; every certificate valid at ").append(clock.instant());
    return new Verified(v, List.of(
        Check.pass("pck_chain", path.toString()),
        Check.pass("qe_report", "the QE report is signed by the PCK key and its report data is SHA-256 of the attestation key and QE authentication data"),
        Check.pass("signature", "the quote is signed (ECDSA P-256) by its attestation key")));
  }

  private static boolean ecdsa(PublicKey key, byte[] data, byte[] rawSignature) {
    try {
      Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
      s.initVerify(key);
      s.update(data);
      return s.verify(rawSignature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static PublicKey rawP256(byte[] xy) throws VerificationException {
    try {
      AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
      p.init(new ECGenParameterSpec("secp256r1"));
      ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOf(xy, 32)), new BigInteger(1, Arrays.copyOfRange(xy, 32, 64)));
      return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, p.getParameterSpec(ECParameterSpec.class)));
    } catch (GeneralSecurityException e) {
      throw new VerificationException("quote.attestation_key", "not a point on P-256");
    }
  }
}
