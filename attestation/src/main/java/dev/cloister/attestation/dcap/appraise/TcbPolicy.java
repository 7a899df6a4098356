package dev.cloister.attestation.dcap.appraise;

import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.dcap.tcb.TcbStatus;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Which Intel TCB statuses a quote may earn, shared by TDX and SGX appraisal. Immutable; build with
 * {@link #builder()} or take {@link #defaults()}.
 *
 * <p>Defaults (issue 6): {@code UpToDate} affirms; {@code SWHardeningNeeded} and {@code
 * ConfigurationNeeded} warn, naming their advisories; every other status, {@code
 * ConfigurationAndSWHardeningNeeded} included, is contraindicated. {@code Revoked} can never be
 * accepted. Collateral is required: a quote appraised without a {@link
 * dev.cloister.attestation.dcap.tcb.TcbVerdict} is contraindicated. No minimum TCB date.
 */
public final class TcbPolicy {
  private final Map<TcbStatus, TrustTier> tiers;
  private final Optional<Instant> minimumTcbDate;
  private final boolean requireCollateral;

  private TcbPolicy(Builder b) {
    tiers = new EnumMap<>(b.tiers);
    minimumTcbDate = b.minimumTcbDate;
    requireCollateral = b.requireCollateral;
  }

  public static TcbPolicy defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The outcome of the {@code tcb_status} check for a quote that earned {@code status}. */
  public TrustTier tier(TcbStatus status) {
    return tiers.get(status);
  }

  public Optional<Instant> minimumTcbDate() {
    return minimumTcbDate;
  }

  /** Whether a quote without Intel collateral is contraindicated (true) or only a warning. */
  public boolean requireCollateral() {
    return requireCollateral;
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.tiers.putAll(tiers);
    b.minimumTcbDate = minimumTcbDate;
    b.requireCollateral = requireCollateral;
    return b;
  }

  @Override
  public String toString() {
    return "TcbPolicy" + tiers + ", minimumTcbDate=" + minimumTcbDate.map(Instant::toString).orElse("none")
        + ", requireCollateral=" + requireCollateral;
  }

  /** Validating builder: {@link #build()} throws {@link IllegalArgumentException} naming the field. */
  public static final class Builder {
    private final Map<TcbStatus, TrustTier> tiers = new EnumMap<>(TcbStatus.class);
    private Optional<Instant> minimumTcbDate = Optional.empty();
    private boolean requireCollateral = true;

    private Builder() {
      for (TcbStatus s : TcbStatus.values()) {
        tiers.put(s, TrustTier.CONTRAINDICATED);
      }
      tiers.put(TcbStatus.UP_TO_DATE, TrustTier.AFFIRMING);
      tiers.put(TcbStatus.SW_HARDENING_NEEDED, TrustTier.WARNING);
      tiers.put(TcbStatus.CONFIGURATION_NEEDED, TrustTier.WARNING);
    }

    /**
     * Sets the outcome for a status, e.g. {@code (CONFIGURATION_AND_SW_HARDENING_NEEDED, WARNING)}
     * to accept it with a warning, or {@code (SW_HARDENING_NEEDED, CONTRAINDICATED)} to refuse it.
     */
    public Builder status(TcbStatus status, TrustTier outcome) {
      tiers.put(Objects.requireNonNull(status, "status"), Objects.requireNonNull(outcome, "outcome"));
      return this;
    }

    /** The matched platform TCB level must be dated no earlier than this (Intel's tcbDate). */
    public Builder minimumTcbDate(Instant v) {
      minimumTcbDate = Optional.of(v);
      return this;
    }

    public Builder requireCollateral(boolean v) {
      requireCollateral = v;
      return this;
    }

    public TcbPolicy build() {
      for (Map.Entry<TcbStatus, TrustTier> e : tiers.entrySet()) {
        if (e.getValue() == TrustTier.NONE) {
          throw new IllegalArgumentException("tcb_status." + e.getKey().label() + ": the outcome must be affirming, warning or contraindicated");
        }
      }
      if (tiers.get(TcbStatus.REVOKED) != TrustTier.CONTRAINDICATED) {
        throw new IllegalArgumentException("tcb_status.Revoked: a revoked TCB is always contraindicated");
      }
      return new TcbPolicy(this);
    }
  }
}
