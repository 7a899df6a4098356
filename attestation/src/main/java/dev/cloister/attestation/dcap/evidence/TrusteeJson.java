package dev.cloister.attestation.dcap.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.json.StrictJson;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/** Trustee's Intel evidence objects: read with {@link StrictJson} (known fields only), standard base64. */
final class TrusteeJson {
  /** Real quotes, padding included, are under 10 KiB; DcapQuote refuses more than 64 KiB. */
  static final int MAX_QUOTE = 64 * 1024;
  /** Trustee's CCEL sample is 1 MiB; anything far larger is refused unread. */
  static final int MAX_EVENTLOG = 8 * 1024 * 1024;

  private TrusteeJson() {}

  static JsonNode object(byte[] json, String what) throws MalformedEvidenceException {
    return StrictJson.object(json, what);
  }

  static JsonNode object(JsonNode n, String what) throws MalformedEvidenceException {
    return StrictJson.object(n, what);
  }

  static void onlyKnown(JsonNode n, String what, Set<String> known) throws MalformedEvidenceException {
    StrictJson.onlyKnown(n, what, known);
  }

  /** A required, non-empty standard-base64 string (RFC 4648 §4, as Trustee's STANDARD engine). */
  static byte[] required(JsonNode n, String what, String field, int max) throws MalformedEvidenceException {
    return optional(n, what, field, max).orElseThrow(() -> new MalformedEvidenceException(what + "." + field, "missing or empty"));
  }

  /** An optional standard-base64 string; null, absent or empty is absent (as Trustee treats an empty event log). */
  static Optional<byte[]> optional(JsonNode n, String what, String field, int max) throws MalformedEvidenceException {
    JsonNode v = n.get(field);
    if (v == null || v.isNull() || (v.isTextual() && v.asText().isEmpty())) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw new MalformedEvidenceException(what + "." + field, "must be a base64 string");
    }
    String s = v.asText();
    if (s.length() > (max / 3 + 1) * 4) {
      throw new MalformedEvidenceException(what + "." + field, "larger than " + max + " bytes");
    }
    try {
      return Optional.of(Base64.getDecoder().decode(s));
    } catch (IllegalArgumentException e) {
      throw new MalformedEvidenceException(what + "." + field, "not standard base64");
    }
  }
}
