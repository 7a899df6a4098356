package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.snp.abi.ProductLine;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What verification trusts and when it runs: the trust anchors, the clock for validity periods,
 * CRLs, where missing certificates may come from, and whether a CRL is mandatory. Immutable; build
 * with {@link #builder()}. Anchors are self-checked at {@link Builder#build()} (ARK self-signed,
 * intermediates signed by it), so each verification need not repeat it.
 */
public final class VerifyOptions {
  private final List<TrustAnchor> anchors;
  private final Clock clock;
  private final List<X509CRL> crls;
  private final CertificateSource certificates;
  private final boolean requireRevocationCheck;
  private final Optional<ProductLine> product;

  private VerifyOptions(Builder b) {
    this.anchors = List.copyOf(b.anchors);
    this.clock = b.clock;
    this.crls = List.copyOf(b.crls);
    this.certificates = b.certificates;
    this.requireRevocationCheck = b.requireRevocationCheck;
    this.product = b.product;
  }

  /** AMD's embedded roots, the system clock, no CRL required, no certificate source. */
  public static VerifyOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<TrustAnchor> anchors() {
    return anchors;
  }

  public Clock clock() {
    return clock;
  }

  public List<X509CRL> crls() {
    return crls;
  }

  public CertificateSource certificates() {
    return certificates;
  }

  public boolean requireRevocationCheck() {
    return requireRevocationCheck;
  }

  /** The product line the caller asserts (needed only for v2 reports without CPUID). */
  public Optional<ProductLine> product() {
    return product;
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.anchors.clear();
    b.anchors.addAll(anchors);
    b.clock = clock;
    b.crls.addAll(crls);
    b.certificates = certificates;
    b.requireRevocationCheck = requireRevocationCheck;
    b.product = product;
    return b;
  }

  public static final class Builder {
    private final List<TrustAnchor> anchors = new ArrayList<>(AmdRoots.all());
    private Clock clock = Clock.systemUTC();
    private final List<X509CRL> crls = new ArrayList<>();
    private CertificateSource certificates = CertificateSource.none();
    private boolean requireRevocationCheck;
    private Optional<ProductLine> product = Optional.empty();

    private Builder() {}

    /** Replaces the trust anchors (the default is AMD's embedded roots). */
    public Builder trustAnchors(List<TrustAnchor> anchors) {
      this.anchors.clear();
      this.anchors.addAll(anchors);
      return this;
    }

    /** Adds a trust anchor, e.g. the simulated platform's root when the caller chooses to trust it. */
    public Builder addTrustAnchor(TrustAnchor anchor) {
      this.anchors.add(Objects.requireNonNull(anchor, "anchor"));
      return this;
    }

    /** The clock for validity periods and CRL freshness. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public Builder crls(List<X509CRL> crls) {
      this.crls.clear();
      this.crls.addAll(crls);
      return this;
    }

    public Builder certificates(CertificateSource source) {
      this.certificates = Objects.requireNonNull(source, "source");
      return this;
    }

    /** Fail when no CRL from the anchor's ARK is available (from {@link #crls} or the source). */
    public Builder requireRevocationCheck(boolean require) {
      this.requireRevocationCheck = require;
      return this;
    }

    public Builder product(ProductLine product) {
      this.product = Optional.of(product);
      return this;
    }

    /**
     * @throws IllegalArgumentException if an anchor's ARK is not self-signed or an intermediate is
     *     not signed by its ARK
     */
    public VerifyOptions build() {
      for (TrustAnchor a : anchors) {
        try {
          a.ark().verify(a.ark().getPublicKey());
          for (var i : a.intermediates()) {
            i.verify(a.ark().getPublicKey());
          }
        } catch (GeneralSecurityException e) {
          throw new IllegalArgumentException("trust anchor '" + a.name() + "' is not a self-consistent ARK and intermediates", e);
        }
      }
      return new VerifyOptions(this);
    }
  }
}
