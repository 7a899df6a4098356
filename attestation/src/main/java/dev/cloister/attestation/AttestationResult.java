package dev.cloister.attestation;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of appraising verified evidence, shaped like an IETF EAR appraisal: the claims that
 * were appraised, each check with its outcome, and an overall status that is the worst outcome of
 * any check. A result is only ever built from evidence that passed verification.
 *
 * @param format evidence format, e.g. {@code "sev-snp"}
 * @param platform hardware or simulated, from the trust anchor that verified the evidence
 * @param claims the verified claims (JSON-friendly values: strings, numbers, booleans, maps, lists)
 * @param checks every check that ran, in order
 * @param status the worst outcome among the checks; {@code AFFIRMING} only if every check affirmed
 */
public record AttestationResult(
    String format, PlatformKind platform, Map<String, Object> claims, List<Check> checks, TrustTier status) {

  public AttestationResult {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(platform, "platform");
    claims = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(claims)); // keeps the claims' order for display
    checks = List.copyOf(checks);
    Objects.requireNonNull(status, "status");
  }

  /** Builds a result whose status is derived from the checks (no checks: contraindicated). */
  public static AttestationResult of(
      String format, PlatformKind platform, Map<String, Object> claims, List<Check> checks) {
    TrustTier status = checks.isEmpty() ? TrustTier.CONTRAINDICATED : TrustTier.NONE;
    for (Check c : checks) {
      status = status.worst(c.outcome());
    }
    if (status == TrustTier.NONE) {
      status = TrustTier.CONTRAINDICATED; // nothing affirmed: fail closed
    }
    return new AttestationResult(format, platform, claims, checks, status);
  }

  /** True only when the overall status is affirming. */
  public boolean affirming() {
    return status == TrustTier.AFFIRMING;
  }

  /** The first check that failed, if any: the reason to show a person. */
  public Optional<Check> firstFailure() {
    return checks.stream().filter(Check::failed).findFirst();
  }
}
