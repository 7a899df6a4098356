package dev.cloister.attestation.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.cloister.attestation.MalformedEvidenceException;
import java.io.IOException;
import java.util.Iterator;
import java.util.Set;

/**
 * Strict JSON for documents that are signed, attested or hashed: a duplicate key or content after
 * the value is refused, because two readers that resolve them differently would see two documents
 * under one signature. Fields a decoder does not know are refused too ({@link #onlyKnown}): a field
 * silently ignored is a field no check ever saw.
 */
public final class StrictJson {
  /** The mapper behind {@link #read}; for callers that stream ({@link #parser}) or bind records. */
  public static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /** {@link #MAPPER} for binding records: also refuses properties the type does not declare, and null for a primitive. */
  private static final ObjectMapper BINDER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .build();

  /** The bound when a decoder names none: above any evidence Cloister reads (a TDX event log is 8 MiB before base64). */
  public static final int MAX_DOCUMENT = 16 << 20;

  private StrictJson() {}

  /** {@link #object(byte[], String, int)} bounded by {@link #MAX_DOCUMENT}. */
  public static JsonNode object(byte[] json, String field) throws MalformedEvidenceException {
    return object(json, field, MAX_DOCUMENT);
  }

  /** The JSON object in {@code json}, at most {@code maxBytes} long; {@code field} names it in errors. */
  public static JsonNode object(byte[] json, String field, int maxBytes) throws MalformedEvidenceException {
    if (json.length > maxBytes) {
      throw new MalformedEvidenceException(field, "larger than " + maxBytes + " bytes");
    }
    JsonNode n;
    try {
      n = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new MalformedEvidenceException(field, "not strict JSON: " + reason(e));
    }
    return object(n, field);
  }

  /**
   * The document in {@code json}, at most {@code maxBytes} long, bound to {@code type} (a record
   * with Jackson annotations): duplicate keys, trailing content, and keys the type does not declare
   * are refused, naming the key.
   */
  public static <T> T bind(byte[] json, Class<T> type, String field, int maxBytes) throws MalformedEvidenceException {
    if (json.length > maxBytes) {
      throw new MalformedEvidenceException(field, "larger than " + maxBytes + " bytes");
    }
    try {
      T value = BINDER.readValue(json, type);
      if (value == null) {
        throw new MalformedEvidenceException(field, "must be a JSON object");
      }
      return value;
    } catch (IOException e) {
      throw new MalformedEvidenceException(field, "not strict JSON: " + reason(e));
    }
  }

  /** {@code tree} (already read strictly) bound to {@code type} as {@link #bind(byte[], Class, String, int)} binds. */
  public static <T> T bind(JsonNode tree, Class<T> type, String field) throws MalformedEvidenceException {
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      throw new MalformedEvidenceException(field, "missing");
    }
    try {
      return BINDER.treeToValue(tree, type);
    } catch (IOException e) {
      throw new MalformedEvidenceException(field, reason(e));
    }
  }

  /** {@code n} itself, when it is a JSON object. */
  public static JsonNode object(JsonNode n, String field) throws MalformedEvidenceException {
    if (n == null || !n.isObject()) {
      throw new MalformedEvidenceException(field, "must be a JSON object");
    }
    return n;
  }

  /** Refuses fields the decoder does not know, naming the first one and those it knows. */
  public static void onlyKnown(JsonNode n, String field, Set<String> known) throws MalformedEvidenceException {
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw new MalformedEvidenceException(field + "." + f, "unknown field (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
  }

  /** A streaming parser with the same strictness, for documents whose raw bytes must be kept. */
  public static JsonParser parser(byte[] json) throws IOException {
    return MAPPER.getFactory().createParser(json);
  }

  /** Why Jackson refused, in the words of this reader: the key for a duplicate or unknown key. */
  private static String reason(IOException e) {
    if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
      return "unknown key '" + u.getPropertyName() + "'";
    }
    String m = firstLine(e.getMessage());
    if (m.startsWith("Duplicate field '")) {
      return "duplicate key '" + m.substring("Duplicate field '".length()).replaceFirst("'.*", "") + "'";
    }
    if (m.startsWith("Trailing token")) {
      return "content after the JSON value";
    }
    return m;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
