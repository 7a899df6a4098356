package dev.cloister.attestation.cel;

import dev.cloister.attestation.Check;
import dev.cloister.attestation.TrustTier;
import java.util.Map;
import java.util.Set;

/**
 * The optional CEL rule of an appraisal policy, shared by every family: compiled over one variable,
 * {@code claims} (the result's claims), and evaluated into the {@code cel} check. It returns a bool
 * or a tier name; anything else, or an evaluation error, fails the check (fail closed).
 */
public final class CelRule {
  /** The variables a rule sees. */
  public static final Set<String> VARIABLES = Set.of("claims");

  private CelRule() {}

  /** @throws IllegalArgumentException {@code "cel: "} and why the rule does not compile */
  public static CelExpression compile(String source) {
    try {
      return CelExpression.compile(source, VARIABLES, Set.of());
    } catch (CelPolicyException e) {
      throw new IllegalArgumentException("cel: " + e.getMessage());
    }
  }

  /** The {@code cel} check of {@code rule} over {@code claims}. */
  public static Check check(CelExpression rule, Map<String, Object> claims) {
    try {
      Object r = rule.evaluate(Map.of("claims", claims));
      if (r instanceof Boolean b) {
        return b ? Check.pass("cel", "policy returned true") : Check.fail("cel", "policy returned false");
      }
      if (r instanceof String s) {
        for (TrustTier t : TrustTier.values()) {
          if (t != TrustTier.NONE && t.label().equals(s)) {
            return new Check("cel", t, "policy returned " + s);
          }
        }
      }
      return Check.fail("cel", "policy must return a bool or a tier name, returned " + r);
    } catch (CelPolicyException e) {
      return Check.fail("cel", e.getMessage());
    }
  }
}
