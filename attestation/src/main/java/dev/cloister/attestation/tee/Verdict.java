package dev.cloister.attestation.tee;

import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.TrustTier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one family made of one piece of evidence that verification accepted: the verifier's check
 * lines, the appraisal (empty with {@link Context#verifyOnly}) and the claims. Evidence that is
 * malformed or not genuine never gets a verdict: {@link TeeFamily#evaluate} throws.
 *
 * @param format the family's format label ({@code sev-snp}, {@code tdx}, ...)
 */
public record Verdict(String format, List<Check> verification, Optional<AttestationResult> appraisal, Map<String, Object> claims) {
  public Verdict {
    Objects.requireNonNull(format, "format");
    verification = List.copyOf(verification);
    claims = Collections.unmodifiableMap(new LinkedHashMap<>(claims)); // claims may hold nulls ("not evaluated")
  }

  /** The appraisal's status; {@link TrustTier#AFFIRMING} when only verification ran (it passed). */
  public TrustTier status() {
    return appraisal.map(AttestationResult::status).orElse(TrustTier.AFFIRMING);
  }

  /** Verification's check lines, then the appraisal's. */
  public List<Check> checks() {
    List<Check> out = new ArrayList<>(verification);
    appraisal.ifPresent(a -> out.addAll(a.checks()));
    return out;
  }

  /** Why the verdict is not affirming: the first check whose outcome is the status, else empty. */
  public Optional<String> reason() {
    TrustTier status = status();
    return appraisal.flatMap(a -> a.checks().stream().filter(c -> c.outcome() != TrustTier.AFFIRMING && c.outcome() != TrustTier.NONE)
        .filter(c -> c.outcome() == status).findFirst().map(c -> c.name() + ": " + c.detail()));
  }
}
