package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.Check;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.SnpReport;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A report whose signature, certificate chain, validity and certificate-to-report binding have
 * been checked by {@link SnpVerifier}, the only code that can build one. Appraisal takes only this
 * type, so policy never runs on unverified bytes, and the platform it reports is the one of the
 * anchor the chain really ended in.
 */
public final class VerifiedSnpReport {
  private final SnpReport report;
  private final ProductLine product;
  private final X509Certificate vek;
  private final VekExtensions extensions;
  private final TrustAnchor anchor;
  private final Instant verifiedAt;
  private final List<Check> checks;

  VerifiedSnpReport(SnpReport report, ProductLine product, X509Certificate vek, VekExtensions extensions, TrustAnchor anchor, Instant verifiedAt,
      List<Check> checks) {
    this.report = Objects.requireNonNull(report, "report");
    this.product = Objects.requireNonNull(product, "product");
    this.vek = Objects.requireNonNull(vek, "vek");
    this.extensions = Objects.requireNonNull(extensions, "extensions");
    this.anchor = Objects.requireNonNull(anchor, "anchor");
    this.verifiedAt = Objects.requireNonNull(verifiedAt, "verifiedAt");
    this.checks = List.copyOf(checks);
  }

  /** The parsed report. */
  public SnpReport report() {
    return report;
  }

  /** The product line the chain and CPUID agree on. */
  public ProductLine product() {
    return product;
  }

  /** Hardware or simulated: the trust anchor's, derived from its ARK. */
  public PlatformKind platform() {
    return anchor.platform();
  }

  /** The VCEK or VLEK that signed the report. */
  public X509Certificate vek() {
    return vek;
  }

  /** The VEK's AMD extensions. */
  public VekExtensions extensions() {
    return extensions;
  }

  /** The trust anchor the chain ended in. */
  public TrustAnchor anchor() {
    return anchor;
  }

  /** The time at which validity periods were checked. */
  public Instant verifiedAt() {
    return verifiedAt;
  }

  /**
   * What verification did, in order: signature, chain (to which root), validity (at which time),
   * revocation (which CRL, from where, or that none was checked), binding.
   */
  public List<Check> checks() {
    return checks;
  }
}
