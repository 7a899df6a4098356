package dev.cloister.broker.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cloister.attestation.cel.CelPolicyException;
import dev.cloister.broker.kbs.KbsProblem;
import dev.cloister.broker.kbs.KbsService;
import dev.cloister.broker.release.ReferenceValueStore;
import dev.cloister.broker.release.ReleasePolicies;
import dev.cloister.broker.release.WorkloadPins;
import dev.cloister.broker.store.ResourcePath;
import dev.cloister.broker.store.AuditUnavailableException;
import dev.cloister.broker.store.AuditedChanges;
import dev.cloister.broker.store.BrokerStore;
import dev.cloister.broker.token.EarTokens;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.SQLException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Routes. KBS (Trustee-compatible): {@code POST /kbs/v0/auth}, {@code POST /kbs/v0/attest},
 * {@code GET /kbs/v0/resource/<repo>/<type>/<tag>}. Admin (bearer admin credential): {@code POST
 * /kbs/v0/resource/<repo>/<type>/<tag>} (raw body), {@code DELETE} of the same (revocation), {@code POST /kbs/v0/resource-policy}
 * (Trustee's shape, the default policy as base64url CEL), {@code PUT|GET
 * /kbs/v0/resource-policy/<scope>} (CEL text), {@code GET /kbs/v0/resources} (names), {@code POST
 * /kbs/v0/reference-value-keys} (trust a pipeline's public JWK), {@code POST /kbs/v0/reference-value}
 * (a signed reference value; unsigned or untrusted ones are refused), {@code GET
 * /kbs/v0/reference-values}, the audit log routes. Public: {@code /.well-known/jwks.json}, {@code /.well-known/openid-configuration},
 * {@code /healthz}, {@code /metrics}.
 */
public final class BrokerHttp {
  static final String COOKIE = "kbs-session-id";
  private static final int MAX_ATTEST_BODY = 4 << 20;
  private static final int MAX_RESOURCE_BODY = 16 << 20;
  private static final int MAX_SMALL_BODY = 64 << 10;

  private final KbsService kbs;
  private final BrokerStore store;
  private final ReleasePolicies policies;
  private final ReferenceValueStore referenceValues;
  private final EarTokens tokens;
  private final AuditRoutes audit;
  private final AdminEvents adminEvents;
  private final PrometheusMeterRegistry metrics;
  private final boolean secureCookies;
  private final long sessionSeconds;
  private final AnonymousRefusals refusals;
  private final ClientBudget budget = new ClientBudget(ClientBudget.REQUESTS_PER_CLIENT, ClientBudget.BYTES_PER_CLIENT);

  /** Records admin events in the audit log, and commits admin changes with theirs. */
  public interface AdminEvents extends AuditedChanges {
    void adminChange(String action, String target);
  }

  public BrokerHttp(KbsService kbs, BrokerStore store, ReleasePolicies policies, ReferenceValueStore referenceValues, EarTokens tokens, AuditRoutes audit,
      AdminEvents adminEvents, PrometheusMeterRegistry metrics, boolean secureCookies, long sessionSeconds, AnonymousRefusals refusals) {
    this.refusals = java.util.Objects.requireNonNull(refusals, "refusals");
    this.kbs = kbs;
    this.store = store;
    this.policies = policies;
    this.referenceValues = referenceValues;
    this.tokens = tokens;
    this.audit = audit;
    this.adminEvents = adminEvents;
    this.metrics = metrics;
    this.secureCookies = secureCookies;
    this.sessionSeconds = sessionSeconds;
  }

  public void register(HttpServer server) {
    server.createContext("/", this::handle);
  }

  /** The address a request came from: sessions, budgets and anonymous refusals are counted by it. */
  static String client(HttpExchange ex) {
    var a = ex.getRemoteAddress();
    return a == null || a.getAddress() == null ? "unknown" : a.getAddress().getHostAddress();
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    String method = ex.getRequestMethod();
    // Health and metrics stay answerable whatever one address holds; they read no body.
    if (path.equals("/healthz") || path.equals("/metrics")) {
      route(ex, path, method, new boolean[1]);
      return;
    }
    String client = client(ex);
    long bytes = declaredBody(ex);
    if (!budget.acquire(client, bytes)) {
      metrics.counter("kbs_client_budget_refusals_total").increment();
      refused(ex, client, "budget", new KbsProblem(429, "too-busy", "too many requests or request bytes in flight from this address; retry later"), false);
      return;
    }
    try {
      route(ex, path, method, new boolean[1]);
    } finally {
      budget.release(client, bytes);
    }
  }

  /** The body bytes a request will hold: its Content-Length, or the largest body any route takes when it declares none. */
  private static long declaredBody(HttpExchange ex) {
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      try {
        return Math.max(0, Math.min(Long.parseLong(length.strip()), MAX_RESOURCE_BODY + 1L));
      } catch (NumberFormatException e) {
        return MAX_RESOURCE_BODY; // the JDK server refuses such a request before this runs; count the worst anyway
      }
    }
    return ex.getRequestHeaders().containsKey("Transfer-Encoding") ? MAX_RESOURCE_BODY : 0;
  }

  /** Answers a refusal; one not recorded on its own, from a client that did not authenticate, is counted for its source. */
  private void refused(HttpExchange ex, String client, String route, KbsProblem p, boolean authenticated) throws IOException {
    Counter.builder("kbs_refusals_total").tag("route", route).tag("status", String.valueOf(p.status())).register(metrics).increment();
    if (!p.isAudited() && !authenticated) {
      metrics.counter("kbs_anonymous_refusals_total").increment();
      refusals.record(client, route + " " + p.status() + " " + p.type());
    }
    Exchange.problem(ex, p);
  }

  /** {@code authenticated[0]} is set once the admin credential checked. */
  private void route(HttpExchange ex, String path, String method, boolean[] authenticated) throws IOException {
    String route = "other";
    Timer.Sample sample = Timer.start(metrics);
    try {
      if (path.equals("/kbs/v0/auth") && method.equals("POST")) {
        route = "auth";
        auth(ex);
      } else if (path.equals("/kbs/v0/attest") && method.equals("POST")) {
        route = "attest";
        attest(ex);
      } else if (path.startsWith("/kbs/v0/resource/") && method.equals("GET")) {
        route = "resource_get";
        getResource(ex, path.substring("/kbs/v0/resource/".length()));
      } else if (path.startsWith("/kbs/v0/resource/") && (method.equals("POST") || method.equals("PUT"))) {
        route = "resource_put";
        admin(ex, authenticated);
        putResource(ex, path.substring("/kbs/v0/resource/".length()));
      } else if (path.startsWith("/kbs/v0/resource/") && method.equals("DELETE")) {
        route = "resource_delete";
        admin(ex, authenticated);
        ResourcePath revoked = parsePath(path.substring("/kbs/v0/resource/".length()));
        if (!adminEvents.commit("resource.delete", revoked.toString(), BrokerStore.resourceDelete(revoked))) {
          throw KbsProblem.notFound("no resource " + revoked);
        }
        Exchange.json(ex, 200, Map.of("deleted", revoked.toString()));
      } else if (path.equals("/kbs/v0/resources") && method.equals("GET")) {
        route = "resources";
        admin(ex, authenticated);
        Exchange.json(ex, 200, Map.of("resources", store.resourceNames()));
      } else if (path.equals("/kbs/v0/resource-policy") && method.equals("POST")) {
        route = "policy";
        admin(ex, authenticated);
        trusteePolicy(ex);
      } else if (path.startsWith("/kbs/v0/resource-policy/")) {
        route = "policy";
        admin(ex, authenticated);
        scopedPolicy(ex, method, path.substring("/kbs/v0/resource-policy/".length()));
      } else if (path.equals("/kbs/v0/reference-value-keys") && method.equals("POST")) {
        route = "refvalue_key";
        admin(ex, authenticated);
        try {
          String kid = referenceValues.trust(new String(Exchange.body(ex, MAX_SMALL_BODY), StandardCharsets.UTF_8));
          Exchange.json(ex, 200, Map.of("trusted", kid));
        } catch (dev.cloister.attestation.refvalue.ReferenceValueException e) {
          throw KbsProblem.badRequest(e.getMessage());
        }
      } else if (path.equals("/kbs/v0/reference-value") && method.equals("POST")) {
        route = "refvalue";
        admin(ex, authenticated);
        try {
          var rv = referenceValues.publish(new String(Exchange.body(ex, MAX_SMALL_BODY), StandardCharsets.UTF_8));
          Exchange.json(ex, 200, Map.of("name", rv.name(), "version", rv.version(), "measurement", rv.measurement()));
        } catch (dev.cloister.attestation.refvalue.ReferenceValueException e) {
          adminEvents.adminChange("reference_value.refused", e.getMessage());
          throw new KbsProblem(403, "reference-value-refused", e.getMessage());
        }
      } else if (path.equals("/kbs/v0/reference-values") && method.equals("GET")) {
        route = "refvalues";
        admin(ex, authenticated);
        Exchange.json(ex, 200, referenceValues.current());
      } else if (path.startsWith("/kbs/v0/audit/") && method.equals("GET")) {
        route = "audit";
        admin(ex, authenticated);
        audit.handle(ex, path.substring("/kbs/v0/audit/".length()));
      } else if (path.equals("/.well-known/jwks.json") && method.equals("GET")) {
        route = "jwks";
        Exchange.json(ex, 200, tokens.jwks());
      } else if (path.equals("/.well-known/openid-configuration") && method.equals("GET")) {
        route = "discovery";
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("issuer", tokens.issuer());
        d.put("jwks_uri", tokens.issuer() + "/.well-known/jwks.json");
        d.put("id_token_signing_alg_values_supported", java.util.List.of("ES256"));
        d.put("token_endpoint", tokens.issuer() + "/kbs/v0/attest");
        Exchange.json(ex, 200, d);
      } else if (path.equals("/healthz")) {
        route = "healthz";
        Exchange.json(ex, 200, Map.of("status", "ok"));
      } else if (path.equals("/metrics")) {
        route = "metrics";
        Exchange.text(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
      } else {
        throw KbsProblem.notFound("no route " + method + " " + dev.cloister.ledger.AuditFields.bound(path));
      }
    } catch (KbsProblem p) {
      refused(ex, client(ex), route, p, authenticated[0]);
    } catch (AuditUnavailableException e) {
      // Refuse, keep serving: the operator reads why (a full disk, say) and the client may retry.
      System.err.println("cloister broker: " + e.getMessage());
      Counter.builder("kbs_refusals_total").tag("route", route).tag("status", "503").register(metrics).increment();
      Exchange.problem(ex, new KbsProblem(503, "audit-unavailable", e.getMessage()));
    } catch (SQLException | GeneralSecurityException | RuntimeException e) {
      internalError(ex, method, route, e);
    } finally {
      sample.stop(Timer.builder("kbs_request_seconds").tag("route", route).publishPercentileHistogram().register(metrics));
    }
  }

  /**
   * A 500: the operator's log (stderr) gets a line with a fresh correlation id, the route, the
   * exception's class and message and where it was thrown; the client gets the same id in the
   * problem+json and nothing else about it. Messages here come from the JDK, SQLite and this
   * code, which put no secrets in them, and are bounded like audit fields.
   */
  private void internalError(HttpExchange ex, String method, String route, Exception e) throws IOException {
    byte[] raw = new byte[8];
    ERROR_IDS.nextBytes(raw);
    String id = java.util.HexFormat.of().formatHex(raw);
    StringBuilder line = new StringBuilder("cloister broker: internal error ").append(id).append(" on ").append(method).append(' ').append(route)
        .append(": ").append(e.getClass().getName());
    if (e.getMessage() != null) {
      line.append(": ").append(dev.cloister.ledger.AuditFields.bound(e.getMessage()));
    }
    StackTraceElement[] at = e.getStackTrace();
    for (int i = 0; i < Math.min(at.length, 8); i++) {
      line.append(System.lineSeparator()).append("    at ").append(at[i]);
    }
    System.err.println(line);
    metrics.counter("kbs_internal_errors_total").increment();
    Exchange.problem(ex, new KbsProblem(500, "internal-error", "internal error " + id + ": the broker's operator log names it by this id"), id);
  }

  private static final java.security.SecureRandom ERROR_IDS = new java.security.SecureRandom();

  private void auth(HttpExchange ex) throws IOException, KbsProblem {
    KbsService.Challenge c = kbs.auth(Exchange.body(ex, MAX_SMALL_BODY), client(ex));
    ex.getResponseHeaders().add("Set-Cookie", cookie(c.sessionId()));
    metrics.counter("kbs_auth_total").increment();
    Exchange.json(ex, 200, Map.of("nonce", c.nonce(), "extra-params", ""));
  }

  private void attest(HttpExchange ex) throws IOException, KbsProblem {
    String session = Exchange.cookie(ex, COOKIE);
    try {
      String token = kbs.attest(session, Exchange.body(ex, MAX_ATTEST_BODY));
      metrics.counter("kbs_attestations_total", "outcome", "token").increment();
      ex.getResponseHeaders().add("Set-Cookie", cookie(session));
      Exchange.json(ex, 200, Map.of("token", token));
    } catch (KbsProblem p) {
      metrics.counter("kbs_attestations_total", "outcome", p.type()).increment();
      throw p;
    }
  }

  private void getResource(HttpExchange ex, String resource) throws IOException, KbsProblem {
    try {
      Map<String, String> jwe = kbs.resource(Exchange.cookie(ex, COOKIE), Exchange.bearer(ex), resource);
      metrics.counter("kbs_releases_total").increment();
      Exchange.json(ex, 200, jwe);
    } catch (KbsProblem p) {
      metrics.counter("kbs_release_denials_total", "status", String.valueOf(p.status())).increment();
      throw p;
    }
  }

  private void putResource(HttpExchange ex, String resource) throws IOException, KbsProblem, SQLException, GeneralSecurityException {
    ResourcePath path = parsePath(resource);
    byte[] secret = Exchange.body(ex, MAX_RESOURCE_BODY);
    try {
      if (secret.length == 0) {
        throw KbsProblem.badRequest("resource body is empty");
      }
      adminEvents.commit("resource.put", path.toString(), store.resourcePut(path, secret));
    } finally {
      java.util.Arrays.fill(secret, (byte) 0);
    }
    Exchange.json(ex, 200, Map.of("resource", path.toString()));
  }

  private void trusteePolicy(HttpExchange ex) throws IOException, KbsProblem, SQLException {
    com.fasterxml.jackson.databind.JsonNode body;
    try {
      body = dev.cloister.attestation.json.StrictJson.object(Exchange.body(ex, MAX_SMALL_BODY), "body");
    } catch (dev.cloister.attestation.MalformedEvidenceException e) {
      throw KbsProblem.badRequest(e.getMessage()); // a policy read two ways would be two policies
    }
    if (!body.has("policy") || !body.get("policy").isTextual()) {
      throw KbsProblem.badRequest("body must be {\"policy\": \"<base64url CEL>\"}");
    }
    String cel;
    try {
      cel = new String(Base64.getUrlDecoder().decode(body.get("policy").asText()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw KbsProblem.badRequest("policy: not base64url");
    }
    setPolicy(ex, ReleasePolicies.DEFAULT_SCOPE, cel);
  }

  private void scopedPolicy(HttpExchange ex, String method, String scope) throws IOException, KbsProblem, SQLException {
    if (method.equals("PUT") || method.equals("POST")) {
      setPolicy(ex, scope, new String(Exchange.body(ex, MAX_SMALL_BODY), StandardCharsets.UTF_8));
    } else if (method.equals("GET")) {
      try {
        ReleasePolicies.Effective e = policies.effective(scope.equals("*") ? new ResourcePath("x", "x", "x") : parsePath(scope));
        Exchange.json(ex, 200, policyJson(e));
      } catch (CelPolicyException e) {
        throw KbsProblem.badRequest(e.getMessage());
      }
    } else {
      throw new KbsProblem(405, "method-not-allowed", method + " not allowed here");
    }
  }

  private void setPolicy(HttpExchange ex, String scope, String cel) throws IOException, KbsProblem, SQLException {
    ReleasePolicies.Effective set;
    try {
      set = policies.set(scope, cel);
    } catch (CelPolicyException e) {
      throw KbsProblem.badRequest(e.getMessage());
    } catch (IllegalArgumentException e) {
      throw KbsProblem.badRequest("scope: " + e.getMessage());
    }
    Exchange.json(ex, 200, policyJson(set));
  }

  /** A policy as the admin API shows it: whether it can release anything, and if not, what it lacks. */
  private static Map<String, Object> policyJson(ReleasePolicies.Effective e) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("scope", e.scope());
    out.put("policy", e.policy());
    out.put("pins", e.pinnedFamilies().orElse(""));
    if (e.pinnedFamilies().isEmpty()) {
      out.put("warning", "releases nothing: " + WorkloadPins.REQUIREMENT);
    }
    return out;
  }

  private static ResourcePath parsePath(String p) throws KbsProblem {
    try {
      return ResourcePath.parse(p);
    } catch (IllegalArgumentException e) {
      throw KbsProblem.notFound(e.getMessage());
    }
  }

  /** Checks the admin credential; a refusal is counted with the source's other anonymous refusals, not logged on its own. */
  private void admin(HttpExchange ex, boolean[] authenticated) throws KbsProblem, SQLException {
    String presented = Exchange.bearer(ex);
    if (presented == null || !store.isAdminToken(presented.getBytes(StandardCharsets.UTF_8))) {
      throw KbsProblem.unauthenticated("admin-unauthorized", "this endpoint needs this broker's admin credential");
    }
    authenticated[0] = true;
  }

  private String cookie(String session) {
    return COOKIE + "=" + session + "; Path=/kbs/v0; Max-Age=" + sessionSeconds + "; HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : "");
  }
}
