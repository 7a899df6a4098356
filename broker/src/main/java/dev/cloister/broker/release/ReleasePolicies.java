package dev.cloister.broker.release;

import dev.cloister.attestation.cel.CelExpression;
import dev.cloister.attestation.cel.CelPolicyException;
import dev.cloister.broker.store.BrokerStore;
import dev.cloister.broker.store.ResourcePath;
import dev.cloister.broker.token.EarTokens;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Release policies: a CEL expression per resource ({@code repo/type/tag}), per repository
 * ({@code repo}), or the broker-wide default ({@code *}); the most specific one present decides.
 * An expression sees {@code status} (the EAR status), {@code claims} (the appraised evidence
 * claims, e.g. {@code claims.measurement}, {@code claims.platform}, {@code claims.host_data}),
 * {@code resource} ({@code repository}, {@code type}, {@code tag}, {@code path}), {@code token}
 * (every token claim) and {@code reference_values} (name to the valid signed measurements, e.g.
 * {@code claims.measurement in reference_values['image']}). It must return true to release; false, an error or a non-boolean denies.
 *
 * <p>Until an owner sets one, the default releases only to affirming evidence from hardware; with
 * {@code --allow-simulated}, the simulated platform counts as hardware. Trustee's default releases
 * to anything that is not its sample TEE, whatever the appraisal said; this one does not.
 */
public final class ReleasePolicies {
  public static final String DEFAULT_SCOPE = "*";
  private static final Set<String> MAPS = Set.of("claims", "resource", "token", "reference_values");
  private static final Set<String> STRINGS = Set.of("status");

  private final BrokerStore store;
  private final ReferenceValueStore referenceValues;
  private final CelExpression builtIn;
  private final Map<String, Optional<CelExpression>> cache = new ConcurrentHashMap<>();

  public ReleasePolicies(BrokerStore store, ReferenceValueStore referenceValues, boolean simulatedAllowed) {
    this.store = store;
    this.referenceValues = referenceValues;
    try {
      this.builtIn = CelExpression.compile(builtInExpression(simulatedAllowed), MAPS, STRINGS);
    } catch (CelPolicyException e) {
      throw new IllegalStateException("built-in policy does not compile", e);
    }
  }

  /** The built-in default policy's source. */
  public static String builtInExpression(boolean simulatedAllowed) {
    return simulatedAllowed
        ? "status == 'affirming' && claims.platform in ['hardware', 'simulated']"
        : "status == 'affirming' && claims.platform == 'hardware'";
  }

  /** The outcome, with the scope of the policy that decided and why. */
  public record Decision(boolean allowed, String scope, String reason) {}

  /** Checks and stores a policy for a scope ({@code *}, {@code repo}, or {@code repo/type/tag}). */
  public void set(String scope, String expression) throws CelPolicyException, SQLException {
    validateScope(scope);
    CelExpression compiled = CelExpression.compile(expression, MAPS, STRINGS);
    store.putPolicy(scope, expression);
    cache.put(scope, Optional.of(compiled));
  }

  /** The expression that applies to a resource, and its scope. */
  public Map.Entry<String, String> effective(ResourcePath path) throws SQLException, CelPolicyException {
    for (String scope : new String[] {path.toString(), path.repository(), DEFAULT_SCOPE}) {
      Optional<CelExpression> e = lookup(scope);
      if (e.isPresent()) {
        return Map.entry(scope, e.get().source());
      }
    }
    return Map.entry("built-in", builtIn.source());
  }

  public Decision decide(ResourcePath path, Map<String, Object> tokenClaims) {
    String scope = "built-in";
    CelExpression expr = builtIn;
    try {
      for (String s : new String[] {path.toString(), path.repository(), DEFAULT_SCOPE}) {
        Optional<CelExpression> e = lookup(s);
        if (e.isPresent()) {
          scope = s;
          expr = e.get();
          break;
        }
      }
      Map<String, Object> vars = new LinkedHashMap<>();
      Map<String, Object> submod = submod(tokenClaims);
      vars.put("status", String.valueOf(submod.getOrDefault("ear.status", "none")));
      Object ev = submod.get("ear.veraison.annotated-evidence");
      vars.put("claims", ev instanceof Map<?, ?> m ? m : Map.of());
      vars.put("resource", Map.of("repository", path.repository(), "type", path.type(), "tag", path.tag(), "path", path.toString()));
      vars.put("token", tokenClaims);
      vars.put("reference_values", referenceValues.current());
      boolean allowed = expr.test(vars);
      return new Decision(allowed, scope, allowed ? "allowed by " + scope + " policy" : "denied by " + scope + " policy");
    } catch (CelPolicyException | SQLException e) {
      return new Decision(false, scope, "policy error (" + scope + "): " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> submod(Map<String, Object> tokenClaims) {
    if (tokenClaims.get("submods") instanceof Map<?, ?> subs && subs.get(EarTokens.SUBMOD) instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    return Map.of();
  }

  private Optional<CelExpression> lookup(String scope) throws SQLException, CelPolicyException {
    Optional<CelExpression> cached = cache.get(scope);
    if (cached != null) {
      return cached;
    }
    Optional<String> source = store.policy(scope);
    Optional<CelExpression> compiled = source.isEmpty() ? Optional.empty() : Optional.of(CelExpression.compile(source.get(), MAPS, STRINGS));
    cache.put(scope, compiled);
    return compiled;
  }

  static void validateScope(String scope) {
    if (scope.equals(DEFAULT_SCOPE)) {
      return;
    }
    if (scope.contains("/")) {
      ResourcePath.parse(scope);
    } else {
      new ResourcePath(scope, "x", "x");
    }
  }
}
