package dev.cloister.ledger;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the broker records. Every field is an identifier, a digest, a measurement, a status or a
 * human reason; there is no field that could carry a key, a secret or a plaintext, and reasons
 * are written by code that never puts secrets in messages. Every text field is bounded by
 * {@link AuditFields#bound}, so no client can make an entry large.
 */
public sealed interface AuditEvent {
  /** The entry's {@code type}. */
  String type();

  /** The entry's fields, in a stable order. */
  Map<String, Object> fields();

  /** A KBS session was opened. */
  record SessionStarted(String sessionId, String tee) implements AuditEvent {
    public SessionStarted {
      sessionId = AuditFields.bound(Objects.requireNonNull(sessionId));
      tee = AuditFields.bound(Objects.requireNonNull(tee));
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
    public AttestationVerdict {
      sessionId = AuditFields.bound(sessionId);
      tee = AuditFields.bound(tee);
      platform = AuditFields.bound(platform);
      status = AuditFields.bound(status);
      measurement = AuditFields.bound(measurement);
      claimsDigest = AuditFields.bound(claimsDigest);
      reason = AuditFields.bound(reason);
    }

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
    public KeyReleased {
      subject = AuditFields.bound(subject);
      resource = AuditFields.bound(resource);
      teeKeyThumbprint = AuditFields.bound(teeKeyThumbprint);
      measurement = AuditFields.bound(measurement);
    }

    public String type() {
      return "key_released";
    }

    public Map<String, Object> fields() {
      return ordered("subject", subject, "resource", resource, "tee_key_thumbprint", teeKeyThumbprint, "measurement", measurement);
    }
  }

  /** A release was refused, with the HTTP status returned. */
  record ReleaseDenied(String subject, String resource, int httpStatus, String reason) implements AuditEvent {
    public ReleaseDenied {
      subject = AuditFields.bound(subject);
      resource = AuditFields.bound(resource);
      reason = AuditFields.bound(reason);
    }

    public String type() {
      return "release_denied";
    }

    public Map<String, Object> fields() {
      return ordered("subject", subject, "resource", resource, "http_status", httpStatus, "reason", reason);
    }
  }

  /** An administrative action (resource registered, policy set, broker started, admin refused). */
  record AdminChange(String action, String target) implements AuditEvent {
    public AdminChange {
      action = AuditFields.bound(action);
      target = AuditFields.bound(target);
    }

    public String type() {
      return "admin_change";
    }

    public Map<String, Object> fields() {
      return ordered("action", action, "target", target);
    }
  }

  /**
   * Requests refused before they were authenticated, counted instead of logged one by one: from
   * one source address within {@code [from, to)}, {@code count} in all, by reason (route, HTTP
   * status and problem type; at most {@link #MAX_REASONS} reasons, the rest counted under
   * {@link #OTHER_REASONS}). Anyone can send such requests, so each one costs no fsync and no bytes.
   */
  record AnonymousRefusals(String source, java.time.Instant from, java.time.Instant to, long count, Map<String, Long> reasons) implements AuditEvent {
    public static final int MAX_REASONS = 16;
    public static final String OTHER_REASONS = "(other reasons)";

    public AnonymousRefusals {
      source = AuditFields.bound(source);
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      Map<String, Long> bounded = new java.util.TreeMap<>();
      for (Map.Entry<String, Long> r : reasons.entrySet()) {
        String key = bounded.size() < MAX_REASONS || bounded.containsKey(AuditFields.bound(r.getKey())) ? AuditFields.bound(r.getKey()) : OTHER_REASONS;
        bounded.merge(key, r.getValue(), Long::sum);
      }
      reasons = java.util.Collections.unmodifiableMap(bounded);
    }

    public String type() {
      return "anonymous_refusals";
    }

    public Map<String, Object> fields() {
      return ordered("source", source, "from", from.toString(), "to", to.toString(), "count", count, "reasons", reasons);
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
