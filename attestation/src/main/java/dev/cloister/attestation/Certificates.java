package dev.cloister.attestation;

import java.io.InputStream;
import java.security.MessageDigest;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/** What every verifier does with certificates: load an embedded root against its pinned fingerprint, and check validity at a given time. */
public final class Certificates {
  private Certificates() {}

  /**
   * Loads a root certificate shipped as a resource of {@code owner} and checks its SHA-256; a
   * changed resource fails loudly at class initialisation rather than trusting something else.
   */
  public static X509Certificate loadPinned(Class<?> owner, String resource, String sha256) {
    try (InputStream in = owner.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("embedded root missing: " + resource);
      }
      X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      if (!HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded())).equals(sha256)) {
        throw new IllegalStateException("embedded root " + resource + " does not match its pinned fingerprint");
      }
      return c;
    } catch (java.io.IOException | java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot load embedded root " + resource, e);
    }
  }

  /** @throws VerificationException naming {@code field + ".validity"} when {@code c} is not valid at {@code now} */
  public static void requireValid(X509Certificate c, String field, Instant now) throws VerificationException {
    try {
      c.checkValidity(Date.from(now));
    } catch (CertificateExpiredException e) {
      throw new VerificationException(field + ".validity", "certificate expired at " + c.getNotAfter().toInstant() + " (checked at " + now + ")");
    } catch (CertificateNotYetValidException e) {
      throw new VerificationException(field + ".validity", "certificate not valid before " + c.getNotBefore().toInstant() + " (checked at " + now + ")");
    }
  }

  /** Stands in for a subject CN that cannot be decoded; it contains no word any verifier looks for in a CN. */
  public static final String UNDECODABLE_CN = "<undecodable common name>";

  /**
   * The certificate's subject common name (the first CN), "" when it has none, or {@link
   * #UNDECODABLE_CN} when its string is malformed (a UTF8String that is not UTF-8, a wrong ASN.1
   * type). Verifiers read the CN of certificates that arrive inside evidence before their signatures
   * are checked, so a malformed name must yield a name no check accepts, never an unchecked exception.
   */
  public static String commonName(X509Certificate c) {
    try {
      RDN[] cn = X500Name.getInstance(c.getSubjectX500Principal().getEncoded()).getRDNs(BCStyle.CN);
      return cn.length == 0 ? "" : IETFUtils.valueToString(cn[0].getFirst().getValue());
    } catch (IllegalArgumentException | IllegalStateException | ClassCastException e) {
      return UNDECODABLE_CN;
    }
  }
}
