package dev.cloister.ledger;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the broker records. Every field is an identifier, a digest, a measurement, a status or a
 * human reason; there is no field that could carry a key, a secret or a plaintext, and reasons
 * are written by code that never puts secrets in messages.
 */
public sealed interface AuditEvent {
  /** The entry's {@code type}. */
  String type();

  /** The entry's fields, in a stable order. */
  Map<String, Object> fields();

  /** A KBS session was opened. */
  record SessionStarted(String sessionId, String tee) implements AuditEvent {
    public SessionStarted {
      Objects.requireNonNull(sessionId);
      Objects.requireNonNull(tee);
    }

    public String type() {
      return "session_started";
    }

    public Map<String, Object> fields() {
      return ordered("session_id", sessionId, "tee", tee);
    }
  }

  /** Evidence was verified and appraised (or refused before a verdict). */
  record AttestationVerdict(String sessionId, String tee, String platform, String status, String measurement,
      String claimsDigest, String reason) implements AuditEvent {
    public String type() {
      return "attestation_verdict";
    }

    public Map<String, Object> fields() {
      return ordered("session_id", sessionId, "tee", tee, "platform", platform, "status", status, "measurement", measurement,
          "claims_sha256", claimsDigest, "reason", reason);
    }
  }

  /** A resource was released, encrypted to the TEE key with this JWK thumbprint. */
  record KeyReleased(String subject, String resource, String teeKeyThumbprint, String measurement) implements AuditEvent {
    public String type() {
      return "key_released";
    }

    public Map<String, Object> fields() {
      return ordered("subject", subject, "resource", resource, "tee_key_thumbprint", teeKeyThumbprint, "measurement", measurement);
    }
  }

  /** A release was refused, with the HTTP status returned. */
  record ReleaseDenied(String subject, String resource, int httpStatus, String reason) implements AuditEvent {
    public String type() {
      return "release_denied";
    }

    public Map<String, Object> fields() {
      return ordered("subject", subject, "resource", resource, "http_status", httpStatus, "reason", reason);
    }
  }

  /** An administrative action (resource registered, policy set, broker started, admin refused). */
  record AdminChange(String action, String target) implements AuditEvent {
    public String type() {
      return "admin_change";
    }

    public Map<String, Object> fields() {
      return ordered("action", action, "target", target);
    }
  }

  private static Map<String, Object> ordered(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1] == null ? "" : kv[i + 1]);
    }
    return m;
  }
}
