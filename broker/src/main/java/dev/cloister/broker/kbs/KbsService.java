package dev.cloister.broker.kbs;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.cloister.attestation.binding.RuntimeDataBinding;
import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.json.StrictJson;
import dev.cloister.attestation.tee.Context;
import dev.cloister.attestation.tee.Evidence;
import dev.cloister.attestation.tee.TeeFamily;
import dev.cloister.broker.release.ReleasePolicies;
import dev.cloister.broker.store.ResourcePath;
import dev.cloister.broker.release.SecretWrapper;
import dev.cloister.broker.store.BrokerStore;
import dev.cloister.broker.token.EarTokens;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The KBS protocol v0 steps, independent of HTTP: {@code auth} opens a session with a nonce,
 * {@code attest} checks evidence bound to that nonce and the TEE key and returns an EAR token,
 * {@code resource} evaluates the release policy and returns the secret encrypted to the attested
 * TEE key. Every decision goes to the audit sink; nothing is released on any failure.
 */
public final class KbsService {
  /** The protocol version this broker speaks (KBS 0.4.0, as guest-components sends). */
  public static final String PROTOCOL_VERSION = "0.4.0";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private final Sessions sessions;
  private final Map<String, TeeFamily> families;
  private final Context context;
  private final EarTokens tokens;
  private final ReleasePolicies policies;
  private final BrokerStore store;
  private final AuditSink audit;
  private final boolean simulatedAllowed;

  public KbsService(
      Sessions sessions,
      Map<String, TeeFamily> families,
      Context context,
      EarTokens tokens,
      ReleasePolicies policies,
      BrokerStore store,
      AuditSink audit,
      boolean simulatedAllowed) {
    this.sessions = Objects.requireNonNull(sessions);
    this.families = new LinkedHashMap<>(families); // registration order, for the messages naming them
    this.context = Objects.requireNonNull(context, "context");
    this.tokens = Objects.requireNonNull(tokens);
    this.policies = Objects.requireNonNull(policies);
    this.store = Objects.requireNonNull(store);
    this.audit = Objects.requireNonNull(audit);
    this.simulatedAllowed = simulatedAllowed;
  }

  /** The challenge for a new session. */
  public record Challenge(String sessionId, String nonce, java.time.Instant expires) {}

  /** Opens a session for {@code client} (its address: sessions are bounded per client, see {@link Sessions}). */
  public Challenge auth(byte[] body, String client) throws KbsProblem {
    JsonNode req = parse(body, "auth request");
    String version = text(req, "version");
    if (!PROTOCOL_VERSION.equals(version)) {
      throw KbsProblem.unauthenticated("version-mismatch", "protocol version " + version + " is not supported (this broker speaks " + PROTOCOL_VERSION + ")");
    }
    String tee = text(req, "tee");
    if (!families.containsKey(tee)) {
      throw KbsProblem.unauthenticated("tee-unsupported", "tee '" + tee + "' is not supported (supported: " + families.keySet() + ")");
    }
    Sessions.Authed s = sessions.create(tee, client);
    // Not audited: /auth is unauthenticated, so a durable, signed entry per request would let anyone
    // fill the log and spend an fsync each. A session enters the log with its attestation verdict.
    return new Challenge(s.id(), s.nonce(), s.expires());
  }

  /**
   * Checks the attestation; returns the EAR token. Evidence that reached the verifier gets its own
   * audit entry (a verdict, bounded: {@link dev.cloister.ledger.AuditFields}); a request refused
   * before that (no session, a replay, malformed JSON, a wrong nonce) is left to the caller, which
   * counts such refusals per source instead.
   */
  public String attest(String sessionId, byte[] body) throws KbsProblem {
    Sessions.Authed session = sessions.consume(sessionId);
    JsonNode req = parse(body, "attestation");
    JsonNode runtime = object(req, "runtime-data");
    String nonce = text(runtime, "nonce");
    JsonNode teePubkey = object(runtime, "tee-pubkey");
    JsonNode evidence = req.get("tee-evidence");
    if (evidence == null || evidence.isNull()) {
      throw KbsProblem.badRequest("tee-evidence: missing");
    }
    if (evidence.isTextual()) {
      evidence = parse(evidence.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8), "tee-evidence");
    }
    JsonNode primary = evidence.has("primary_evidence") ? evidence.get("primary_evidence") : evidence;
    String additional = "";
    if (evidence.has("additional_evidence")) {
      // It is hashed into the session binding: any other type read as "" would bind evidence the client never sent.
      if (!evidence.get("additional_evidence").isTextual()) {
        throw KbsProblem.badRequest("tee-evidence.additional_evidence: must be a string");
      }
      additional = evidence.get("additional_evidence").asText();
    }
    if (!MessageDigest.isEqual(nonce.getBytes(java.nio.charset.StandardCharsets.UTF_8), session.nonce().getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
      throw KbsProblem.unauthenticated("nonce-mismatch", "runtime-data.nonce is not this session's nonce");
    }
    JWK teeKey;
    try {
      teeKey = SecretWrapper.teeKey(JSON.convertValue(teePubkey, MAP));
    } catch (SecretWrapper.UnsupportedKeyException e) {
      throw KbsProblem.badRequest("runtime-data.tee-pubkey: " + e.getMessage());
    }
    TeeFamily family = families.get(session.tee());
    TeeFamily.Binding binding = family.binding();
    byte[] expected = RuntimeDataBinding.reportData(nonce, teePubkey, additional, binding.size());
    AttestationResult result;
    try {
      // The session's digest is an input of the evaluation: the family binds it where its evidence carries it.
      result = family.evaluate(new Evidence.Json(primary), context.withSessionBinding(expected)).appraisal().orElseThrow();
    } catch (AttestationException e) {
      audit.attestation(subject(session.id()), session.tee(), "unknown", "contraindicated", "", "", e.getMessage());
      throw KbsProblem.unauthenticated("attestation-failed", e.getMessage()).audited();
    }
    String measurement = String.valueOf(result.claims().getOrDefault("measurement", ""));
    String platform = result.platform().label();
    String reason = result.firstFailure().map(c -> c.name() + ": " + c.detail()).orElse("");
    // The binding is checked here, by the protocol, whatever the appraisal options say.
    if (!(result.claims().get(binding.claim()) instanceof String rd)
        || !MessageDigest.isEqual(rd.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            HexFormat.of().formatHex(expected).getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
      audit.attestation(subject(session.id()), session.tee(), platform, result.status().label(), measurement, claimsDigest(result),
          reason.isEmpty() ? binding.claim() + ": does not bind the session" : reason);
      throw KbsProblem.unauthenticated("binding-failed", binding.claim() + " does not bind this session's nonce and TEE key").audited();
    }
    Map<String, Object> claims = new LinkedHashMap<>(result.claims());
    Map<String, Object> runtimeClaims = new LinkedHashMap<>();
    runtimeClaims.put("nonce", nonce);
    runtimeClaims.put("tee-pubkey", JSON.convertValue(teePubkey, MAP));
    claims.put("runtime_data_claims", runtimeClaims);
    String token = tokens.issue(new EarTokens.Appraisal(
        result.status(), "cloister:" + session.tee() + "-default", claims, teeKey.toPublicJWK().toJSONObject(), nonce, simulatedAllowed));
    audit.attestation(subject(session.id()), session.tee(), platform, result.status().label(), measurement, claimsDigest(result), reason);
    sessions.attested(session.id(), token);
    return token;
  }

  /**
   * Releases a resource to an attested TEE: authorised by the session cookie or a bearer token,
   * then the release policy, then existence. Returns the flattened JWE. Every decision about a
   * verified token has its own audit entry; a request without a live attested session or a valid
   * token is refused before any decision and left to the caller to count per source.
   */
  public Map<String, String> resource(String sessionId, String bearer, String path) throws KbsProblem {
    String subject = sessionId != null ? subject(sessionId) : "bearer";
    String token;
    if (bearer != null) {
      token = bearer;
    } else {
      Sessions.State s = sessions.get(sessionId);
      if (!(s instanceof Sessions.Attested a)) {
        throw KbsProblem.unauthenticated("not-attested", "this session has not attested");
      }
      token = a.token();
    }
    JWTClaimsSet claims;
    try {
      claims = tokens.verify(token);
    } catch (EarTokens.InvalidTokenException e) {
      throw KbsProblem.unauthenticated("token-invalid", e.getMessage());
    }
    if (bearer != null) {
      subject = "token:" + claims.getJWTID();
    }
    // A token outlives the setting it was issued under: one issued while the simulated platform was
    // trusted (or for simulated evidence) releases nothing once this broker no longer trusts it.
    if (!simulatedAllowed && issuedUnderSimulation(claims)) {
      String why = "the token was issued while the broker allowed the simulated platform, which it no longer does";
      audit.denied(subject, path, 401, why);
      throw KbsProblem.unauthenticated("token-invalid", why).audited();
    }
    ResourcePath resource;
    try {
      resource = ResourcePath.parse(path);
    } catch (IllegalArgumentException e) {
      audit.denied(subject, path, 404, e.getMessage());
      throw KbsProblem.notFound(e.getMessage()).audited();
    }
    ReleasePolicies.Decision decision = policies.decide(resource, claims.toJSONObject());
    if (!decision.allowed()) {
      audit.denied(subject, resource.toString(), 403, decision.reason());
      throw KbsProblem.denied("release policy denied " + resource + ": " + decision.reason()).audited();
    }
    byte[] secret = null;
    try {
      secret = store.resource(resource).orElse(null);
      if (secret == null) {
        audit.denied(subject, resource.toString(), 404, "no such resource");
        throw KbsProblem.notFound("no resource " + resource).audited();
      }
      JWK teeKey = SecretWrapper.teeKey(claims.getJSONObjectClaim("tee-pubkey"));
      Map<String, String> jwe = SecretWrapper.wrap(secret, teeKey);
      audit.released(subject, resource.toString(), thumbprint(teeKey), measurement(claims));
      return jwe;
    } catch (SQLException | GeneralSecurityException e) {
      audit.denied(subject, resource.toString(), 500, "storage error");
      throw new KbsProblem(500, "storage-error", "the resource could not be read").audited();
    } catch (SecretWrapper.UnsupportedKeyException | java.text.ParseException e) {
      audit.denied(subject, resource.toString(), 401, "token has no usable tee-pubkey");
      throw KbsProblem.unauthenticated("token-invalid", "token has no usable tee-pubkey").audited();
    } finally {
      if (secret != null) {
        Arrays.fill(secret, (byte) 0);
      }
    }
  }

  /** True if the token says simulation was allowed, or its appraised evidence came from the simulated platform. */
  private static boolean issuedUnderSimulation(JWTClaimsSet claims) {
    if (!Boolean.FALSE.equals(claims.getClaim("cloister.simulated-allowed"))) {
      return true; // true, or absent or not a boolean: fail closed
    }
    Object submods = claims.getClaim("submods");
    return submods instanceof Map<?, ?> s && s.get(EarTokens.SUBMOD) instanceof Map<?, ?> m
        && m.get("ear.veraison.annotated-evidence") instanceof Map<?, ?> ev && "simulated".equals(ev.get("platform"));
  }

  /**
   * How the log names a session: a digest of its cookie, never the cookie itself, which is a
   * credential (and a client may send any secret in its place). Entries of one session still share it.
   */
  static String subject(String sessionId) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(sessionId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "session-sha256:" + HexFormat.of().formatHex(d, 0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String measurement(JWTClaimsSet claims) {
    try {
      Map<String, Object> submods = claims.getJSONObjectClaim("submods");
      Object cpu = submods == null ? null : submods.get(EarTokens.SUBMOD);
      if (cpu instanceof Map<?, ?> m && m.get("ear.veraison.annotated-evidence") instanceof Map<?, ?> ev) {
        return String.valueOf(ev.get("measurement"));
      }
    } catch (java.text.ParseException e) {
      // fall through: the audit entry says unknown
    }
    return "unknown";
  }

  private static String thumbprint(JWK key) {
    try {
      return key.computeThumbprint().toString();
    } catch (JOSEException e) {
      return "unknown";
    }
  }

  private static String claimsDigest(AttestationResult r) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsBytes(r.claims())));
    } catch (IOException | GeneralSecurityException e) {
      return "";
    }
  }

  private static JsonNode parse(byte[] body, String what) throws KbsProblem {
    try {
      // Strict (duplicate keys, trailing content refused), as serde_json refuses a duplicate field in Trustee's KBS.
      return StrictJson.object(body, what);
    } catch (dev.cloister.attestation.MalformedEvidenceException e) {
      throw KbsProblem.badRequest(e.getMessage());
    }
  }

  private static String text(JsonNode n, String field) throws KbsProblem {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw KbsProblem.badRequest(field + ": missing or not a string");
    }
    return v.asText();
  }

  private static JsonNode object(JsonNode n, String field) throws KbsProblem {
    JsonNode v = n.get(field);
    if (v == null || !v.isObject()) {
      throw KbsProblem.badRequest(field + ": missing or not an object");
    }
    return v;
  }
}
