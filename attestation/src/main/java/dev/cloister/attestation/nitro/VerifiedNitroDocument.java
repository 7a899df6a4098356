package dev.cloister.attestation.nitro;

import dev.cloister.attestation.PlatformKind;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;

/**
 * A document whose chain and COSE signature {@link NitroVerifier} has checked; only it builds one.
 * Appraisal takes only this type, so the platform label comes from the root the bundle really
 * started at, never from the caller.
 */
public final class VerifiedNitroDocument {
  private final NitroDocument document;
  private final X509Certificate root;
  private final Instant verifiedAt;

  VerifiedNitroDocument(NitroDocument document, X509Certificate root, Instant verifiedAt) {
    this.document = Objects.requireNonNull(document, "document");
    this.root = Objects.requireNonNull(root, "root");
    this.verifiedAt = Objects.requireNonNull(verifiedAt, "verifiedAt");
  }

  public NitroDocument document() {
    return document;
  }

  /** The trusted root the CA bundle started at. */
  public X509Certificate root() {
    return root;
  }

  /** Hardware exactly when the root is AWS's pinned Nitro root (same DER bytes); any other root is simulated. */
  public PlatformKind platform() {
    return root.equals(NitroVerifier.awsRoot()) ? PlatformKind.HARDWARE : PlatformKind.SIMULATED;
  }

  /** The time at which validity periods were checked. */
  public Instant verifiedAt() {
    return verifiedAt;
  }
}
