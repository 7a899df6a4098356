package dev.cloister.attestation.snp.verify;

import java.security.cert.X509CRL;
import java.util.Objects;

/**
 * A CRL and where it came from ({@code "supplied"}, {@code "KDS cache <file>"}, {@code "AMD KDS
 * <url>"}), so that the revocation check the verifier reports can say which CRL it used.
 */
public record SourcedCrl(X509CRL crl, String origin) {
  public SourcedCrl {
    Objects.requireNonNull(crl, "crl");
    Objects.requireNonNull(origin, "origin");
  }
}
