package dev.cloister.broker;

import com.sun.net.httpserver.HttpExchange;
import dev.cloister.broker.http.AuditRoutes;
import dev.cloister.broker.http.BrokerHttp;
import dev.cloister.broker.kbs.AuditSink;
import dev.cloister.broker.kbs.KbsProblem;
import dev.cloister.broker.store.AuditUnavailableException;
import dev.cloister.broker.store.AuditedChanges;
import dev.cloister.broker.store.BrokerStore;
import dev.cloister.ledger.AuditEntry;
import dev.cloister.ledger.AuditEvent;
import dev.cloister.ledger.AuditExport;
import dev.cloister.ledger.AuditFields;
import dev.cloister.ledger.AuditLog;
import dev.cloister.ledger.LedgerTamperedException;
import dev.cloister.ledger.SqlDatabase;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.sql.SQLException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The broker's side of the audit log: every protocol decision and admin change becomes an entry,
 * and an append that fails stops the operation (an unlogged release never happens); an admin
 * change commits in the entry's transaction ({@link AuditedChanges}). The
 * checkpoint key (Ed25519) is sealed in the database; its verifier key is written to
 * {@code DIR/audit.vkey} at init for auditors to pin.
 */
final class BrokerAudit implements AuditSink, BrokerHttp.AdminEvents, AuditedChanges, AuditRoutes, AutoCloseable {
  static final String KEY_SETTING = "audit_signing_key_pkcs8";
  static final String PUB_SETTING = "audit_public_key_spki";
  static final String ID_SETTING = "broker_id";
  static final String VKEY_FILE = "audit.vkey";

  private final AuditLog log;

  private BrokerAudit(AuditLog log) {
    this.log = log;
  }

  /** Creates the checkpoint key and broker ID at init; returns the verifier key. */
  static String init(BrokerStore store) throws GeneralSecurityException, SQLException {
    KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] id = new byte[8];
    new java.security.SecureRandom().nextBytes(id);
    store.putSetting(ID_SETTING, HexFormat.of().formatHex(id).getBytes(StandardCharsets.US_ASCII));
    store.putSecretSetting(KEY_SETTING, kp.getPrivate().getEncoded());
    store.putSetting(PUB_SETTING, kp.getPublic().getEncoded());
    return dev.cloister.ledger.Checkpoint.verifierKey(origin(store), kp.getPublic());
  }

  static String origin(BrokerStore store) throws SQLException {
    return "cloister-broker/" + new String(store.setting(ID_SETTING).orElseThrow(() -> new SQLException("broker has no ID")), StandardCharsets.US_ASCII);
  }

  static BrokerAudit open(SqlDatabase database, BrokerStore store, Clock clock, boolean simulatedAllowed) throws SQLException, GeneralSecurityException {
    PrivateKey priv = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(
        store.secretSetting(KEY_SETTING).orElseThrow(() -> new GeneralSecurityException("no audit signing key"))));
    PublicKey pub = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(
        store.setting(PUB_SETTING).orElseThrow(() -> new GeneralSecurityException("no audit public key"))));
    try {
      return new BrokerAudit(AuditLog.open(database, origin(store), new KeyPair(pub, priv), clock, simulatedAllowed));
    } catch (LedgerTamperedException e) {
      throw new GeneralSecurityException("the audit log does not match its checkpoints; refusing to start: " + e.getMessage());
    }
  }

  private void append(AuditEvent e) {
    commit(e, c -> true);
  }

  private boolean commit(AuditEvent e, AuditLog.Change change) {
    try {
      return log.append(e, change).isPresent();
    } catch (SQLException ex) {
      throw new AuditUnavailableException(unavailable(ex), ex);
    }
  }

  /** The operator's sentence for a failed append; SQLite's message names the cause (e.g. SQLITE_FULL), never data. */
  static String unavailable(SQLException ex) {
    String cause = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
    boolean full = cause.contains("SQLITE_FULL") || cause.contains("disk is full") || "53100".equals(ex.getSQLState());
    return "the audit log cannot be written" + (full ? " because the database or its disk is full" : "")
        + ", so nothing was changed or released (" + cause + "); the broker retries on the next request"
        + (full ? " and recovers by itself once space is freed" : "");
  }

  @Override
  public boolean commit(String action, String target, AuditLog.Change change) {
    return commit(new AuditEvent.AdminChange(action, target), change);
  }

  @Override
  public void attestation(String sessionId, String tee, String platform, String status, String measurement, String claimsDigest, String reason) {
    append(new AuditEvent.AttestationVerdict(sessionId, tee, platform, status, measurement, claimsDigest, reason));
  }

  @Override
  public void released(String sessionId, String resourcePath, String teeKeyThumbprint, String measurement) {
    append(new AuditEvent.KeyReleased(sessionId, resourcePath, teeKeyThumbprint, measurement));
  }

  @Override
  public void denied(String sessionId, String resourcePath, int httpStatus, String reason) {
    append(new AuditEvent.ReleaseDenied(sessionId, resourcePath, httpStatus, reason));
  }

  /** One source's anonymous refusals of one minute; throws {@link AuditUnavailableException} when the log cannot be written. */
  void anonymousRefusals(AuditEvent.AnonymousRefusals counted) {
    append(counted);
  }

  @Override
  public void adminChange(String action, String target) {
    append(new AuditEvent.AdminChange(action, target));
  }

  /** Entries or checkpoints one audit GET answers unless it asks for fewer (a bounded page, so no GET can balloon the heap). */
  static final int DEFAULT_PAGE = 1000;
  /** The most one audit GET answers. */
  static final int MAX_PAGE = 10_000;
  /** The response header naming the {@code from} of the next page; absent on the last page. */
  static final String NEXT_HEADER = "Cloister-Next-From";

  /**
   * {@code entries} (the stored canonical entries, one per line), {@code checkpoints} (the signed
   * notes, oldest first, separated by form feeds since a note itself holds blank lines),
   * {@code checkpoint} (the latest), {@code vkey}, and {@code export?format=jsonl|ocsf}. Entries,
   * checkpoints and export are paged: {@code from} (the first entry index, default 0; for
   * checkpoints, the size after which they start), {@code limit} (default {@value #DEFAULT_PAGE},
   * at most {@value #MAX_PAGE}) and {@code to} (an exclusive upper bound, e.g. the size of a
   * checkpoint, so a reader pages through one fixed snapshot while appends go on); the next page's
   * {@code from} comes in the {@value #NEXT_HEADER} header.
   */
  @Override
  public void handle(HttpExchange ex, String sub) throws IOException, KbsProblem {
    Map<String, String> query = query(ex.getRequestURI().getRawQuery());
    try {
      switch (sub) {
        case "entries" -> {
          Page page = page(query);
          List<AuditEntry> entries = log.entries(page.from(), page.end());
          stream(ex, "application/x-ndjson", page.next(), w -> {
            for (AuditEntry e : entries) {
              w.write(new String(e.canonical(), StandardCharsets.UTF_8));
              w.write('\n');
            }
          });
        }
        case "checkpoints" -> {
          Page page = page(query);
          List<String> notes = log.checkpoints(page.from(), page.end());
          stream(ex, "text/plain; charset=utf-8", page.next(), w -> w.write(String.join("\f", notes)));
        }
        case "checkpoint" -> stream(ex, "text/plain; charset=utf-8", -1, w -> w.write(log.latestCheckpoint() == null ? "" : log.latestCheckpoint().note()));
        case "vkey" -> stream(ex, "text/plain; charset=utf-8", -1, w -> w.write(log.verifierKey() + "\n"));
        case "export" -> {
          String format = query.getOrDefault("format", "jsonl");
          if (!format.equals("jsonl") && !format.equals("ocsf")) {
            throw KbsProblem.badRequest("format: jsonl or ocsf");
          }
          Page page = page(query);
          List<AuditEntry> entries = log.entries(page.from(), page.end());
          stream(ex, "application/x-ndjson", page.next(), w -> {
            if (format.equals("ocsf")) {
              AuditExport.ocsf(entries, w);
            } else {
              AuditExport.jsonl(entries, w);
            }
          });
        }
        default -> throw KbsProblem.notFound("no audit route " + sub);
      }
    } catch (SQLException | LedgerTamperedException e) {
      throw new KbsProblem(500, "audit-unavailable", "the audit log cannot be read: " + e.getMessage());
    }
  }

  /** Entries {@code [from, end)}; {@code next} is the following page's {@code from}, or -1 on the last page. */
  private record Page(long from, long end, long next) {}

  private Page page(Map<String, String> q) throws KbsProblem {
    long from = number(q, "from", 0, Long.MAX_VALUE);
    long limit = number(q, "limit", DEFAULT_PAGE, MAX_PAGE);
    if (limit < 1) {
      throw KbsProblem.badRequest("limit: at least 1");
    }
    long bound = Math.min(log.size(), number(q, "to", Long.MAX_VALUE, Long.MAX_VALUE));
    long end = Math.max(from, Math.min(bound, from + limit));
    return new Page(from, end, end < bound ? end : -1);
  }

  private static long number(Map<String, String> q, String name, long otherwise, long max) throws KbsProblem {
    String v = q.get(name);
    if (v == null) {
      return otherwise;
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0 || n > max) {
        throw KbsProblem.badRequest(name + ": between 0 and " + max);
      }
      return n;
    } catch (NumberFormatException e) {
      throw KbsProblem.badRequest(name + ": not a number");
    }
  }

  private static Map<String, String> query(String raw) throws KbsProblem {
    Map<String, String> out = new java.util.HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String part : raw.split("&")) {
      int eq = part.indexOf('=');
      String key = eq < 0 ? part : part.substring(0, eq);
      if (out.put(key, eq < 0 ? "" : part.substring(eq + 1)) != null) {
        throw KbsProblem.badRequest("query: " + AuditFields.bound(key) + " given twice");
      }
    }
    return out;
  }

  private interface Body {
    void write(Writer w) throws IOException, SQLException, LedgerTamperedException;
  }

  private static void stream(HttpExchange ex, String type, long next, Body body) throws IOException, SQLException, LedgerTamperedException {
    java.io.StringWriter buffer = new java.io.StringWriter();
    body.write(buffer);
    byte[] bytes = buffer.toString().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    if (next >= 0) {
      ex.getResponseHeaders().set(NEXT_HEADER, Long.toString(next));
    }
    ex.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (var out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
    ex.close();
  }

  String verifierKey() {
    return log.verifierKey();
  }

  @Override
  public void close() {
    log.close();
  }

}
