package dev.cloister.broker.release;

import dev.cloister.attestation.cel.CelExpression;
import dev.cloister.attestation.cel.CelPolicyException;
import dev.cloister.broker.store.AuditedChanges;
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
 * <p>Fail closed: a resource no policy covers is never released, and neither is one whose policy
 * does not pin the workload ({@link WorkloadPins}); such a policy may be stored, but it releases
 * nothing. Trustee's default releases to anything that is not its sample TEE; this broker's
 * default releases nothing, so registering a key without binding it hands it to no one.
 */
public final class ReleasePolicies {
  public static final String DEFAULT_SCOPE = "*";
  private static final Set<String> MAPS = Set.of("claims", "resource", "token", "reference_values");
  private static final Set<String> STRINGS = Set.of("status");

  private final BrokerStore store;
  private final ReferenceValueStore referenceValues;
  private final AuditedChanges changes;
  private final Map<String, Optional<CelExpression>> cache = new ConcurrentHashMap<>();

  public ReleasePolicies(BrokerStore store, ReferenceValueStore referenceValues, AuditedChanges changes) {
    this.store = store;
    this.changes = changes;
    this.referenceValues = referenceValues;
  }

  /** The outcome, with the scope of the policy that decided and why. */
  public record Decision(boolean allowed, String scope, String reason) {}

  /**
   * The policy that applies to a resource.
   *
   * @param scope the scope it was set for, or {@code none}
   * @param policy its CEL source, empty when no policy applies
   * @param pinnedFamilies the TEE families whose workload it pins (see {@link WorkloadPins}), or empty: it releases nothing
   */
  public record Effective(String scope, String policy, Optional<String> pinnedFamilies) {}

  /** Checks and stores a policy, with its audit entry, for a scope ({@code *}, {@code repo}, or {@code repo/type/tag}); returns how it pins. */
  public Effective set(String scope, String expression) throws CelPolicyException, SQLException {
    validateScope(scope);
    CelExpression compiled = CelExpression.compile(expression, MAPS, STRINGS);
    changes.commit("policy.set", scope, store.policyPut(scope, expression));
    cache.put(scope, Optional.of(compiled));
    return new Effective(scope, expression, WorkloadPins.pinnedFamilies(compiled.pins()));
  }

  /** The policy that applies to a resource. */
  public Effective effective(ResourcePath path) throws SQLException, CelPolicyException {
    for (String scope : scopes(path)) {
      Optional<CelExpression> e = lookup(scope);
      if (e.isPresent()) {
        return new Effective(scope, e.get().source(), WorkloadPins.pinnedFamilies(e.get().pins()));
      }
    }
    return new Effective("none", "", Optional.empty());
  }

  /**
   * Every stored resource that nothing would release, with why: no policy covers it, its policy
   * pins no workload, or its policy no longer compiles. For {@code broker serve} to say at start.
   */
  public Map<String, String> unreleasable() throws SQLException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : store.resourceNames()) {
      try {
        Effective e = effective(ResourcePath.parse(name));
        if (e.scope().equals("none")) {
          out.put(name, "no release policy covers it");
        } else if (e.pinnedFamilies().isEmpty()) {
          out.put(name, "its policy (" + e.scope() + ") pins no workload");
        }
      } catch (CelPolicyException | IllegalArgumentException ex) {
        out.put(name, "its policy does not compile");
      }
    }
    return out;
  }

  public Decision decide(ResourcePath path, Map<String, Object> tokenClaims) {
    String scope = "none";
    try {
      CelExpression expr = null;
      for (String s : scopes(path)) {
        Optional<CelExpression> e = lookup(s);
        if (e.isPresent()) {
          scope = s;
          expr = e.get();
          break;
        }
      }
      if (expr == null) {
        return new Decision(false, scope, "no release policy covers " + path + "; nothing is released until its owner binds it "
            + "('contract bind') or sets a policy that pins the workload: " + WorkloadPins.REQUIREMENT);
      }
      if (WorkloadPins.pinnedFamilies(expr.pins()).isEmpty()) {
        return new Decision(false, scope, "the " + scope + " policy pins no workload, so it releases nothing: " + WorkloadPins.REQUIREMENT);
      }
      Map<String, Object> vars = new LinkedHashMap<>();
      Map<String, Object> submod = submod(tokenClaims);
      vars.put("status", String.valueOf(submod.getOrDefault("ear.status", "none")));
      Object ev = submod.get("ear.veraison.annotated-evidence");
      Map<?, ?> claims = ev instanceof Map<?, ?> m ? m : Map.of();
      vars.put("claims", claims);
      vars.put("resource", Map.of("repository", path.repository(), "type", path.type(), "tag", path.tag(), "path", path.toString()));
      vars.put("token", tokenClaims);
      Map<String, Object> rvs = referenceValues.current();
      vars.put("reference_values", rvs);
      if (!expr.test(vars)) {
        return new Decision(false, scope, "denied by " + scope + " policy");
      }
      // The CEL said yes; the pins are checked again here, outside CEL, so that release rests on
      // plain equality with the values the owner pinned.
      Optional<String> violation = WorkloadPins.violation(expr.pins(), claims, rvs);
      if (violation.isPresent()) {
        return new Decision(false, scope, "denied by " + scope + " policy: " + violation.get());
      }
      return new Decision(true, scope, "allowed by " + scope + " policy");
    } catch (CelPolicyException | SQLException e) {
      return new Decision(false, scope, "policy error (" + scope + "): " + e.getMessage());
    }
  }

  private static String[] scopes(ResourcePath path) {
    return new String[] {path.toString(), path.repository(), DEFAULT_SCOPE};
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
