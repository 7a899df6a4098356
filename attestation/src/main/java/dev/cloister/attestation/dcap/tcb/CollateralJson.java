package dev.cloister.attestation.dcap.tcb;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.json.StrictJson;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Intel's collateral JSON, read with {@link StrictJson} (the bytes are signed, so two readers must
 * never see two documents), every missing or mistyped field named.
 */
final class CollateralJson {
  /** Real TCB info documents are under 64 KiB; this bounds what an attacker can make us parse. */
  static final int MAX_DOCUMENT = 1 << 20;

  private CollateralJson() {}

  static JsonNode read(byte[] json, String field) throws MalformedEvidenceException {
    return StrictJson.object(json, field, MAX_DOCUMENT);
  }

  static JsonNode object(JsonNode n, String name, String field) throws MalformedEvidenceException {
    JsonNode v = n.get(name);
    if (v == null || !v.isObject()) {
      throw new MalformedEvidenceException(field + "." + name, v == null ? "missing" : "must be an object");
    }
    return v;
  }

  static List<JsonNode> array(JsonNode n, String name, String field) throws MalformedEvidenceException {
    JsonNode v = n.get(name);
    if (v == null || !v.isArray()) {
      throw new MalformedEvidenceException(field + "." + name, v == null ? "missing" : "must be an array");
    }
    List<JsonNode> out = new ArrayList<>();
    v.forEach(out::add);
    return out;
  }

  static String text(JsonNode n, String name, String field) throws MalformedEvidenceException {
    JsonNode v = n.get(name);
    if (v == null || !v.isTextual()) {
      throw new MalformedEvidenceException(field + "." + name, v == null ? "missing" : "must be a string");
    }
    return v.asText();
  }

  static int integer(JsonNode n, String name, int max, String field) throws MalformedEvidenceException {
    JsonNode v = n.get(name);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0 || v.asInt() > max) {
      throw new MalformedEvidenceException(field + "." + name, v == null ? "missing" : "must be an integer in 0.." + max);
    }
    return v.asInt();
  }

  static Octets hex(JsonNode n, String name, int length, String field) throws MalformedEvidenceException {
    String s = text(n, name, field);
    if (s.length() != 2 * length) {
      throw new MalformedEvidenceException(field + "." + name, "must be " + length + " bytes of hex");
    }
    try {
      return Octets.copyOf(HexFormat.of().parseHex(s));
    } catch (IllegalArgumentException e) {
      throw new MalformedEvidenceException(field + "." + name, "not hex");
    }
  }

  static Instant instant(JsonNode n, String name, String field) throws MalformedEvidenceException {
    String s = text(n, name, field);
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new MalformedEvidenceException(field + "." + name, "not an RFC 3339 UTC time: " + s);
    }
  }

  /** advisoryIDs is optional in Intel's schema; when present it must be a list of strings. */
  static List<String> advisories(JsonNode level, String field) throws MalformedEvidenceException {
    JsonNode v = level.get("advisoryIDs");
    if (v == null) {
      return List.of();
    }
    if (!v.isArray()) {
      throw new MalformedEvidenceException(field + ".advisoryIDs", "must be an array");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode a : v) {
      if (!a.isTextual()) {
        throw new MalformedEvidenceException(field + ".advisoryIDs", "must hold strings");
      }
      out.add(a.asText());
    }
    return out;
  }

  static JsonParser parser(byte[] json) throws java.io.IOException {
    return StrictJson.parser(json);
  }
}
