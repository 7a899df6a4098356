package dev.cloister.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.ledger.LedgerVerifier;
import dev.cloister.ledger.SqlDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 items 1 and 2: a full database (SQLite's own {@code SQLITE_FULL}, reached through
 * {@code max_page_count} and a ballast table the test fills and frees, as an operator frees a disk)
 * changes nothing: every admin write answers 503 with the operator's sentence, no change is stored
 * without its entry, entries and checkpoints stay equal, the broker keeps serving, and once space
 * returns the next write succeeds without a restart and the log verifies.
 */
class BrokerFullDiskTest {
  static final int PAGE_LIMIT = 600;

  static HttpResponse<String> send(URI base, String admin, String method, String path, String body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + admin)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static long scalar(Path db, String query) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement(); ResultSet r = s.executeQuery(query)) {
      r.next();
      return r.getLong(1);
    }
  }

  static void sql(Path db, String statement) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      s.executeUpdate(statement);
    }
  }

  @Test
  void aFullDatabaseRefusesWritesWith503ChangesNothingAndRecoversWhenSpaceReturns(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("broker");
    String admin = Files.readString(BrokerInit.init(data, Clock.systemUTC())).strip();
    Path db = data.resolve("broker.db");
    // The broker's own connections may grow the file to PAGE_LIMIT pages, no further.
    Files.writeString(data.resolve("database"), "jdbc:sqlite:" + db.toAbsolutePath() + "?max_page_count=" + PAGE_LIMIT);
    sql(db, "CREATE TABLE ballast (b BLOB)");
    String vkey = Files.readString(data.resolve("audit.vkey")).strip();
    String secret = "x".repeat(20_000);
    try (Broker b = Broker.start(Broker.Options.loopback(data, 0))) {
      assertThat(send(b.uri(), admin, "POST", "/kbs/v0/resource/r/key/before", secret).statusCode()).isEqualTo(200);
      long entriesBefore = scalar(db, "SELECT COUNT(*) FROM ledger_entries");

      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
        while (scalar(db, "PRAGMA page_count") < PAGE_LIMIT) {
          s.executeUpdate("INSERT INTO ballast (b) VALUES (randomblob(3000))");
        }
      }
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> full = send(b.uri(), admin, "POST", "/kbs/v0/resource/r/key/during" + i, secret);
        assertThat(full.statusCode()).isEqualTo(503);
        JsonNode problem = BrokerEndToEndTest.JSON.readTree(full.body());
        assertThat(problem.get("type").asText()).isEqualTo("https://cloister.dev/problems/audit-unavailable");
        assertThat(problem.get("detail").asText()).startsWith("the audit log cannot be written because the database or its disk is full, "
            + "so nothing was changed or released").contains("SQLITE_FULL").contains("recovers by itself once space is freed");
        assertThat(send(b.uri(), admin, "PUT", "/kbs/v0/resource-policy/r", "status == 'affirming' && claims.measurement == '"
            + "ab".repeat(4000) + "' && claims.host_data == '00'").statusCode()).isEqualTo(503);
      }
      // Nothing changed, nothing half-written, and the broker still serves.
      assertThat(scalar(db, "SELECT COUNT(*) FROM broker_resources WHERE path LIKE 'r/key/during%'")).isZero();
      assertThat(scalar(db, "SELECT COUNT(*) FROM broker_policies")).isZero();
      assertThat(scalar(db, "SELECT COUNT(*) FROM ledger_entries")).isEqualTo(scalar(db, "SELECT COUNT(*) FROM ledger_checkpoints"));
      assertThat(LedgerVerifier.verifyDatabase(SqlDatabase.sqlite(db), vkey, Optional.empty()).entries()).isGreaterThanOrEqualTo(entriesBefore);
      assertThat(send(b.uri(), admin, "GET", "/healthz", null).statusCode()).isEqualTo(200);
      assertThat(send(b.uri(), admin, "GET", "/kbs/v0/resources", null).body()).contains("r/key/before").doesNotContain("during");

      sql(db, "DELETE FROM ballast");
      assertThat(send(b.uri(), admin, "POST", "/kbs/v0/resource/r/key/after", secret).statusCode()).isEqualTo(200);
      assertThat(send(b.uri(), admin, "GET", "/kbs/v0/audit/entries", null).body())
          .contains("\"target\":\"r/key/after\"").doesNotContain("r/key/during");
    }
    assertThat(scalar(db, "SELECT COUNT(*) FROM ledger_entries")).isEqualTo(scalar(db, "SELECT COUNT(*) FROM ledger_checkpoints"));
    long entries = LedgerVerifier.verifyDatabase(SqlDatabase.sqlite(db), vkey, Optional.empty()).entries();
    assertThat(entries).isEqualTo(scalar(db, "SELECT COUNT(*) FROM ledger_entries"));
    // A restart accepts the log (it matches its checkpoints).
    try (Broker b = Broker.start(Broker.Options.loopback(data, 0))) {
      assertThat(send(b.uri(), admin, "GET", "/kbs/v0/resources", null).body()).contains("r/key/before").contains("r/key/after");
    }
  }
}
