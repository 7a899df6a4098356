package dev.cloister.ledger;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * One log entry: its position, time, event type and fields, and whether the broker that wrote it
 * accepted simulated evidence. Its leaf in the Merkle tree is exactly {@link #canonical()}: the RFC
 * 8785 JSON of {@code {"index","time","type","simulated_allowed","fields"}}.
 */
public record AuditEntry(long index, Instant time, String type, boolean simulatedAllowed, Map<String, Object> fields) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  public AuditEntry {
    fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("index", index);
    m.put("time", time.toString());
    m.put("type", type);
    m.put("simulated_allowed", simulatedAllowed);
    m.put("fields", fields);
    return m;
  }

  /** The RFC 8785 canonical bytes: the leaf data. */
  public byte[] canonical() {
    try {
      return new JsonCanonicalizer(JSON.writeValueAsString(asMap())).getEncodedUTF8();
    } catch (IOException e) {
      throw new IllegalStateException("cannot canonicalise an audit entry", e);
    }
  }

  /**
   * Reads an entry from its stored bytes, which must be exactly canonical.
   *
   * @throws LedgerTamperedException if they do not parse or are not in canonical form
   */
  public static AuditEntry parse(byte[] canonical) throws LedgerTamperedException {
    try {
      JsonNode n = JSON.readTree(canonical);
      if (n == null || !n.isObject() || n.size() != 5 || !n.path("index").canConvertToLong() || !n.path("fields").isObject()
          || !n.path("type").isTextual() || !n.path("time").isTextual() || !n.path("simulated_allowed").isBoolean()) {
        throw new LedgerTamperedException("entry is not a well-formed audit entry");
      }
      AuditEntry e = new AuditEntry(n.get("index").asLong(), Instant.parse(n.get("time").asText()), n.get("type").asText(),
          n.get("simulated_allowed").asBoolean(), JSON.convertValue(n.get("fields"), MAP));
      if (!java.util.Arrays.equals(e.canonical(), canonical)) {
        throw new LedgerTamperedException("entry " + e.index() + " is not in canonical form");
      }
      return e;
    } catch (IOException | java.time.format.DateTimeParseException e) {
      throw new LedgerTamperedException("entry does not parse");
    }
  }
}
