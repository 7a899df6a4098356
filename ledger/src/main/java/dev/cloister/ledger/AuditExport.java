package dev.cloister.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.ledger.merkle.Merkle;
import java.io.IOException;
import java.io.Writer;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Streams entries for SIEMs, one JSON object per line: as they are ({@code jsonl}, with each
 * entry's leaf hash so a line can be proven included), or as OCSF 1.3 events ({@code ocsf}).
 *
 * <p>OCSF classes, chosen for what a SOC searches by: an attestation verdict is an
 * <em>Authentication</em> (3002, activity Logon) of the TEE, succeeded when affirming; a key
 * release or denial is an <em>Authorize Session</em> (3003, activity Assign Privileges) with
 * success or failure; a session start and an admin change are <em>API Activity</em> (6003, Create
 * and Update); anonymous refusals, counted per source and minute, are API Activity (activity
 * Other, failure). Cloister's own fields travel under {@code unmapped}.
 */
public final class AuditExport {
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String OCSF_VERSION = "1.3.0";

  private AuditExport() {}

  public static void jsonl(Iterable<AuditEntry> entries, Writer out) throws IOException {
    for (AuditEntry e : entries) {
      Map<String, Object> m = new LinkedHashMap<>(e.asMap());
      m.put("leaf_hash", HexFormat.of().formatHex(Merkle.leafHash(e.canonical())));
      out.write(JSON.writeValueAsString(m));
      out.write('\n');
    }
  }

  public static void ocsf(Iterable<AuditEntry> entries, Writer out) throws IOException {
    for (AuditEntry e : entries) {
      out.write(JSON.writeValueAsString(ocsf(e)));
      out.write('\n');
    }
  }

  static Map<String, Object> ocsf(AuditEntry e) {
    int classUid;
    int categoryUid;
    int activityId;
    boolean success = true;
    String message;
    switch (e.type()) {
      case "attestation_verdict" -> {
        classUid = 3002;
        categoryUid = 3;
        activityId = 1;
        success = "affirming".equals(e.fields().get("status"));
        message = "TEE attestation " + e.fields().get("status");
      }
      case "key_released" -> {
        classUid = 3003;
        categoryUid = 3;
        activityId = 1;
        message = "released " + e.fields().get("resource");
      }
      case "release_denied" -> {
        classUid = 3003;
        categoryUid = 3;
        activityId = 1;
        success = false;
        message = "denied " + e.fields().get("resource") + ": " + e.fields().get("reason");
      }
      case "anonymous_refusals" -> {
        classUid = 6003;
        categoryUid = 6;
        activityId = 99;
        success = false;
        message = e.fields().get("count") + " requests refused before authentication from " + e.fields().get("source");
      }
      case "session_started" -> {
        classUid = 6003;
        categoryUid = 6;
        activityId = 1;
        message = "KBS session started";
      }
      default -> {
        classUid = 6003;
        categoryUid = 6;
        activityId = 3;
        message = "admin " + e.fields().get("action") + " " + e.fields().get("target");
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("class_uid", classUid);
    m.put("category_uid", categoryUid);
    m.put("activity_id", activityId);
    m.put("type_uid", classUid * 100 + activityId);
    m.put("severity_id", success ? 1 : 3);
    m.put("status_id", success ? 1 : 2);
    m.put("status", success ? "Success" : "Failure");
    m.put("time", e.time().toEpochMilli());
    m.put("message", message);
    m.put("metadata", Map.of("version", OCSF_VERSION, "uid", Long.toString(e.index()),
        "product", Map.of("name", "Cloister", "vendor_name", "Cloister")));
    Map<String, Object> unmapped = new LinkedHashMap<>(e.fields());
    unmapped.put("cloister_type", e.type());
    unmapped.put("simulated_allowed", e.simulatedAllowed());
    m.put("unmapped", unmapped);
    return m;
  }
}
