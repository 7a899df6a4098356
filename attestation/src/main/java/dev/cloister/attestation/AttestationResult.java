package dev.cloister.attestation;

import java.lang.invoke.MethodHandles;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The outcome of appraising verified evidence, shaped like an IETF EAR appraisal: the claims that
 * were appraised, each check with its outcome, and an overall status that is the worst outcome of
 * any check. A result is only ever built from evidence that passed verification.
 *
 * <p>Only the appraisers can build one (through a {@link Minter} handed to their own lookup), so
 * no other code can produce a "hardware" or "affirming" result: what the broker releases keys to
 * and what {@code attest verify} accepts always went through a verifier, whose trust anchor
 * decided the {@link PlatformKind}.
 */
public final class AttestationResult {
  /** The appraisers: each takes only verified evidence whose platform its verifier derived. */
  private static final Set<String> APPRAISERS = Set.of(
      "dev.cloister.attestation.snp.appraise.SnpAppraiser",
      "dev.cloister.attestation.dcap.appraise.DcapAppraiser",
      "dev.cloister.attestation.nitro.NitroAppraiser",
      "dev.cloister.attestation.azure.AzureVtpmAppraiser",
      "dev.cloister.attestation.azure.AzureTdxVtpmAppraiser");

  private final String format;
  private final PlatformKind platform;
  private final Map<String, Object> claims;
  private final List<Check> checks;
  private final TrustTier status;

  private AttestationResult(String format, PlatformKind platform, Map<String, Object> claims, List<Check> checks) {
    this.format = Objects.requireNonNull(format, "format");
    this.platform = Objects.requireNonNull(platform, "platform");
    this.claims = Collections.unmodifiableMap(new LinkedHashMap<>(claims)); // keeps the claims' order for display
    this.checks = List.copyOf(checks);
    TrustTier worst = this.checks.isEmpty() ? TrustTier.CONTRAINDICATED : TrustTier.NONE;
    for (Check c : this.checks) {
      worst = worst.worst(c.outcome());
    }
    this.status = worst == TrustTier.NONE ? TrustTier.CONTRAINDICATED : worst; // nothing affirmed: fail closed
  }

  /**
   * The capability to build results, for an appraiser's own {@link MethodHandles#lookup()} (only
   * code inside a class can create a full-privilege lookup of it).
   *
   * @throws IllegalCallerException for any lookup but an appraiser's own
   */
  public static Minter minter(MethodHandles.Lookup caller) {
    if (!caller.hasFullPrivilegeAccess() || !APPRAISERS.contains(caller.lookupClass().getName())) {
      throw new IllegalCallerException("only the attestation appraisers build results, not " + caller.lookupClass().getName());
    }
    return new Minter();
  }

  /** Builds results for one appraiser; it never leaves that appraiser. */
  public static final class Minter {
    private Minter() {}

    /**
     * The status is derived from the checks (no checks: contraindicated).
     *
     * @param platform what the verifier's trust anchor established, never the caller's choice
     */
    public AttestationResult of(String format, PlatformKind platform, Map<String, Object> claims, List<Check> checks) {
      return new AttestationResult(format, platform, claims, checks);
    }
  }

  /** Evidence format, e.g. {@code "sev-snp"}. */
  public String format() {
    return format;
  }

  /** Hardware or simulated, from the trust anchor that verified the evidence. */
  public PlatformKind platform() {
    return platform;
  }

  /** The verified claims (JSON-friendly values: strings, numbers, booleans, maps, lists). */
  public Map<String, Object> claims() {
    return claims;
  }

  /** Every check that ran, in order. */
  public List<Check> checks() {
    return checks;
  }

  /** The worst outcome among the checks; {@code AFFIRMING} only if every check affirmed. */
  public TrustTier status() {
    return status;
  }

  /** True only when the overall status is affirming. */
  public boolean affirming() {
    return status == TrustTier.AFFIRMING;
  }

  /** The first check that failed, if any: the reason to show a person. */
  public Optional<Check> firstFailure() {
    return checks.stream().filter(Check::failed).findFirst();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AttestationResult r && format.equals(r.format) && platform == r.platform && claims.equals(r.claims)
        && checks.equals(r.checks);
  }

  @Override
  public int hashCode() {
    return Objects.hash(format, platform, claims, checks);
  }

  @Override
  public String toString() {
    return "AttestationResult[format=" + format + ", platform=" + platform + ", status=" + status + ", checks=" + checks + "]";
  }
}
