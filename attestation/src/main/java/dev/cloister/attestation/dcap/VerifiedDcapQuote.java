package dev.cloister.attestation.dcap;

import dev.cloister.attestation.PlatformKind;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;

/**
 * A quote whose PCK chain, QE report, attestation-key binding and signature {@link DcapVerifier}
 * has checked; only it builds one. Appraisal takes only this type, so the platform label comes
 * from the root the chain really ended in, never from the caller.
 */
public final class VerifiedDcapQuote {
  private final DcapQuote quote;
  private final X509Certificate root;
  private final Instant verifiedAt;

  VerifiedDcapQuote(DcapQuote quote, X509Certificate root, Instant verifiedAt) {
    this.quote = Objects.requireNonNull(quote, "quote");
    this.root = Objects.requireNonNull(root, "root");
    this.verifiedAt = Objects.requireNonNull(verifiedAt, "verifiedAt");
  }

  public DcapQuote quote() {
    return quote;
  }

  /** The trusted root the PCK chain ended in. */
  public X509Certificate root() {
    return root;
  }

  /** Hardware exactly when the root is Intel's pinned SGX Root CA (same DER bytes); any other root is simulated. */
  public PlatformKind platform() {
    return root.equals(DcapVerifier.intelRoot()) ? PlatformKind.HARDWARE : PlatformKind.SIMULATED;
  }

  /** The time at which validity periods were checked. */
  public Instant verifiedAt() {
    return verifiedAt;
  }
}
