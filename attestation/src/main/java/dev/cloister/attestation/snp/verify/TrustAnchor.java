package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.snp.abi.ProductLine;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A root of trust for one product line: the self-signed ARK and the intermediates it signed (ASK
 * for VCEKs, ASVK for VLEKs). Whether it is hardware is not the caller's to say: {@link #platform()}
 * is {@link PlatformKind#HARDWARE} exactly when the ARK is AMD's pinned root for {@code product},
 * so any other root (the simulated platform's, a test's) yields {@link PlatformKind#SIMULATED}.
 *
 * @param name a label for messages, e.g. {@code "AMD Milan"}
 */
public record TrustAnchor(String name, ProductLine product, X509Certificate ark, List<X509Certificate> intermediates) {
  public TrustAnchor {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(product, "product");
    Objects.requireNonNull(ark, "ark");
    intermediates = List.copyOf(intermediates);
  }

  /** Derived from the ARK's bytes, so verified claims carry what the root is, not what it was called. */
  public PlatformKind platform() {
    return AmdRoots.isPinnedArk(product, ark) ? PlatformKind.HARDWARE : PlatformKind.SIMULATED;
  }
}
