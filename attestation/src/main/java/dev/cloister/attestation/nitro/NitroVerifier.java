package dev.cloister.attestation.nitro;

import com.authlete.cose.COSEException;
import com.authlete.cose.COSEVerifier;
import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.Certificates;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.VerificationException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Establishes that a Nitro attestation document is genuine: the CA bundle starts at a trusted AWS
 * Nitro root (the G1 root is embedded and its SHA-256 pinned), each certificate is signed by the
 * one before and valid at the injected time, and the COSE_Sign1 signature verifies with the leaf.
 */
public final class NitroVerifier {
  /** SHA-256 of the AWS Nitro Enclaves root G1 certificate, as AWS publishes it. */
  public static final String AWS_ROOT_G1_SHA256 = "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b";
  private static final X509Certificate AWS_ROOT = Certificates.loadPinned(NitroVerifier.class, "aws-nitro-root-g1.pem", AWS_ROOT_G1_SHA256);

  private NitroVerifier() {}

  public static X509Certificate awsRoot() {
    return AWS_ROOT;
  }

  /** Verifies with the embedded AWS root. */
  public static VerifiedNitroDocument verify(byte[] document, Clock clock) throws AttestationException {
    return verify(NitroDocument.parse(document), List.of(AWS_ROOT), clock);
  }

  /**
   * @param roots the roots the CA bundle may start at; the result is labelled hardware only for AWS's
   *     pinned root, so adding another can never make its documents hardware
   */
  public static VerifiedNitroDocument verify(NitroDocument doc, List<X509Certificate> roots, Clock clock) throws AttestationException {
    Instant now = clock.instant();
    X509Certificate root = doc.cabundle().getFirst();
    if (roots.stream().noneMatch(r -> r.equals(root))) {
      throw new VerificationException("nitro.cabundle[0]", "'" + root.getSubjectX500Principal().getName() + "' is not a trusted Nitro root");
    }
    X509Certificate issuer = root;
    Certificates.requireValid(root, "nitro.cabundle[0]", now);
    for (int i = 1; i <= doc.cabundle().size(); i++) {
      X509Certificate c = i < doc.cabundle().size() ? doc.cabundle().get(i) : doc.certificate();
      String field = i < doc.cabundle().size() ? "nitro.cabundle[" + i + "]" : "nitro.certificate";
      if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
        throw new VerificationException(field, "not issued by the previous certificate in the bundle");
      }
      try {
        c.verify(issuer.getPublicKey());
      } catch (GeneralSecurityException e) {
        throw new VerificationException(field, "signature does not verify with its issuer's key");
      }
      Certificates.requireValid(c, field, now);
      issuer = c;
    }
    try {
      if (!new COSEVerifier(doc.certificate().getPublicKey()).verify(doc.cose())) {
        throw new VerificationException("nitro.signature", "COSE_Sign1 ES384 signature does not verify with the document's certificate");
      }
    } catch (COSEException e) {
      throw new VerificationException("nitro.signature", "COSE_Sign1 signature cannot be checked: " + e.getMessage());
    }
    return new VerifiedNitroDocument(doc, root, now);
  }

  /**
   * A document that verified, with the checks that established it.
   *
   * @param checks in order: the chain (to which root, through how many certificates), validity (at which time), the signature
   */
  public record Verified(VerifiedNitroDocument document, List<Check> checks) {
    public Verified {
      Objects.requireNonNull(document, "document");
      checks = List.copyOf(checks);
    }
  }

  /** {@link #verify(byte[], Clock)}, and what it checked, for a person to read. */
  public static Verified verifyReporting(byte[] document, Clock clock) throws AttestationException {
    VerifiedNitroDocument v = verify(document, clock);
    NitroDocument d = v.document();
    Instant now = clock.instant();
    // verify() passed whole, so each step it takes held for this document: name what each compared.
    return new Verified(v, List.of(
        Check.pass("chain", "the document's certificate '" + Certificates.commonName(d.certificate()) + "' chains through "
            + (d.cabundle().size() - 1) + " CA bundle certificate(s) to the pinned AWS Nitro root '"
            + Certificates.commonName(d.cabundle().getFirst()) + "' (SHA-256 " + AWS_ROOT_G1_SHA256 + ")"),
        Check.pass("validity", "the root, " + (d.cabundle().size() - 1) + " CA bundle certificate(s) and the document's certificate valid at " + now),
        Check.pass("signature", "COSE_Sign1 ES384 signature verifies with the document's certificate")));
  }
}
