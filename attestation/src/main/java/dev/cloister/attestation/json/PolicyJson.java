package dev.cloister.attestation.json;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.Octets;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Field readers for appraisal policy files (every family's {@code *PolicyFile}): the document is
 * read as {@link StrictJson} reads evidence, since a duplicate key resolved two ways would be two
 * policies under one file name. Errors are {@link IllegalArgumentException}s whose message starts
 * with the key, so the caller can prefix the file.
 */
public final class PolicyJson {
  private PolicyJson() {}

  /** The policy file's top-level object; a duplicate key or trailing content is refused. */
  public static JsonNode read(byte[] json) {
    JsonNode root;
    try {
      root = StrictJson.MAPPER.readTree(json);
    } catch (IOException e) {
      String m = e.getMessage() == null ? "" : e.getMessage();
      int nl = m.indexOf('\n');
      m = nl < 0 ? m : m.substring(0, nl);
      if (m.startsWith("Duplicate field '")) {
        throw new IllegalArgumentException("duplicate key '" + m.substring("Duplicate field '".length()));
      }
      throw new IllegalArgumentException("not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("a policy file is a JSON object");
    }
    return root;
  }

  public static Iterable<JsonNode> array(String k, JsonNode v) {
    if (!v.isArray()) {
      throw new IllegalArgumentException(k + ": must be an array");
    }
    return v;
  }

  public static String text(String k, JsonNode v) {
    if (!v.isTextual()) {
      throw new IllegalArgumentException(k + ": must be a string");
    }
    return v.asText();
  }

  public static Octets hex(String k, JsonNode v) {
    try {
      return Octets.fromHex(text(k, v));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(k + ": " + e.getMessage());
    }
  }

  public static boolean bool(String k, JsonNode v) {
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(k + ": must be true or false");
    }
    return v.asBoolean();
  }

  /** A 16-bit SVN or ID, as Intel's structures carry them. */
  public static int u16(String k, JsonNode v) {
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0 || v.asInt() > 0xFFFF) {
      throw new IllegalArgumentException(k + ": must be an integer 0..65535");
    }
    return v.asInt();
  }

  /** An RFC 3339 instant in UTC, e.g. {@code "2024-03-13T00:00:00Z"}, as Intel dates its TCB levels. */
  public static Instant instant(String k, JsonNode v) {
    try {
      return Instant.parse(text(k, v));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(k + ": must be an RFC 3339 UTC time such as \"2024-03-13T00:00:00Z\"");
    }
  }

  /** An object from register index ({@code "0"}..{@code "max"}) to hex value, e.g. PCRs or RTMRs. */
  public static Map<Integer, Octets> indexed(String k, JsonNode v, int max) {
    if (!v.isObject()) {
      throw new IllegalArgumentException(k + ": must be an object from index to hex value");
    }
    Map<Integer, Octets> out = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      int i;
      try {
        i = e.getKey().matches("0|[1-9][0-9]?") ? Integer.parseInt(e.getKey()) : -1;
      } catch (NumberFormatException ex) {
        i = -1;
      }
      if (i < 0 || i > max) {
        throw new IllegalArgumentException(k + ": index '" + e.getKey() + "' is not 0.." + max);
      }
      out.put(i, hex(k + "." + e.getKey(), e.getValue()));
    }
    return out;
  }

  /** Refuses any key of {@code root} not in {@code known}, naming it. */
  public static void onlyKnown(JsonNode root, java.util.Set<String> known) {
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw new IllegalArgumentException("unknown key '" + f + "'");
      }
    }
  }
}
