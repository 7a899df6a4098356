package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.snp.abi.ProductLine;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A root of trust for one product line: the self-signed ARK and the intermediates it signed (ASK
 * for VCEKs, ASVK for VLEKs). The {@code platform} kind is the caller's statement about this root
 * (AMD's embedded roots are {@link PlatformKind#HARDWARE}; a simulated vendor root is
 * {@link PlatformKind#SIMULATED}); verified claims carry it, and no other code distinguishes them.
 *
 * @param name a label for messages, e.g. {@code "AMD Milan"}
 */
public record TrustAnchor(
    String name,
    ProductLine product,
    X509Certificate ark,
    List<X509Certificate> intermediates,
    PlatformKind platform) {
  public TrustAnchor {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(product, "product");
    Objects.requireNonNull(ark, "ark");
    intermediates = List.copyOf(intermediates);
    Objects.requireNonNull(platform, "platform");
  }
}
