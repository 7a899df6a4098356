package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.snp.abi.SnpReport;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A report and the certificates that came with it (from the evidence, files or a cache). None of
 * the certificates is trusted: they are candidates for a path to a {@link TrustAnchor}.
 *
 * @param vek the VCEK or VLEK, when supplied; otherwise a {@link CertificateSource} may find it
 * @param chain intermediates and roots that came with the evidence, in any order
 */
public record SnpEvidence(SnpReport report, Optional<X509Certificate> vek, List<X509Certificate> chain) {
  public SnpEvidence {
    Objects.requireNonNull(report, "report");
    Objects.requireNonNull(vek, "vek");
    chain = List.copyOf(chain);
  }

  public static SnpEvidence of(SnpReport report, X509Certificate vek) {
    return new SnpEvidence(report, Optional.of(vek), List.of());
  }
}
