package dev.cloister.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A change and its entry and checkpoint are one transaction: a failed write (a full database, an
 * exception mid-change) leaves all three as before, and the next append works. The full database
 * is SQLite's own {@code SQLITE_FULL}, reached deterministically through {@code max_page_count}
 * and a ballast table another connection fills and later empties (as a full disk would be freed).
 */
class AuditLogFaultTest {
  static final AuditLog.Change PUT_X = c -> {
    try (PreparedStatement p = c.prepareStatement("INSERT INTO app (k, v) VALUES ('x', randomblob(20000))")) {
      p.executeUpdate();
    }
    return true;
  };

  static long scalar(Path db, String query) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement(); ResultSet r = s.executeQuery(query)) {
      r.next();
      return r.getLong(1);
    }
  }

  static void fillBallastTo(Path db, long pages) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      while (true) {
        try (ResultSet r = s.executeQuery("PRAGMA page_count")) {
          r.next();
          if (r.getLong(1) >= pages) {
            return;
          }
        }
        s.executeUpdate("INSERT INTO ballast (b) VALUES (randomblob(3000))");
      }
    }
  }

  @Test
  void aFullDatabaseChangesNothingAndTheNextAppendWorksOnceSpaceReturns(@TempDir Path dir) throws Exception {
    KeyPair key = AuditLogTest.ed25519();
    Path db = AuditLogTest.filled(dir, key, 3);
    AuditLogTest.sql(db, "CREATE TABLE app (k TEXT PRIMARY KEY, v BLOB)");
    AuditLogTest.sql(db, "CREATE TABLE ballast (b BLOB)");
    long limit = scalar(db, "PRAGMA page_count") + 16;
    try (AuditLog log = AuditLog.open(SqlDatabase.of("jdbc:sqlite:" + db + "?max_page_count=" + limit), AuditLogTest.ORIGIN, key, AuditLogTest.CLOCK, false)) {
      fillBallastTo(db, limit);
      for (int attempt = 0; attempt < 3; attempt++) {
        // Repeated: the first failure must not leave the connection unusable or half-committed.
        assertThatThrownBy(() -> log.append(new AuditEvent.AdminChange("app.put", "x"), PUT_X))
            .isInstanceOf(SQLException.class).hasMessageContaining("SQLITE_FULL");
      }
      assertThat(log.size()).isEqualTo(3);
      assertThat(scalar(db, "SELECT COUNT(*) FROM ledger_entries")).isEqualTo(3);
      assertThat(scalar(db, "SELECT COUNT(*) FROM ledger_checkpoints")).isEqualTo(3);
      assertThat(scalar(db, "SELECT COUNT(*) FROM app")).isZero();

      AuditLogTest.sql(db, "DELETE FROM ballast");
      assertThat(log.append(new AuditEvent.AdminChange("app.put", "x"), PUT_X)).isPresent();
      assertThat(log.size()).isEqualTo(4);
    }
    assertThat(scalar(db, "SELECT COUNT(*) FROM ledger_entries")).isEqualTo(4);
    assertThat(scalar(db, "SELECT COUNT(*) FROM ledger_checkpoints")).isEqualTo(4);
    assertThat(scalar(db, "SELECT COUNT(*) FROM app")).isEqualTo(1);
    assertThat(LedgerVerifier.verifyDatabase(SqlDatabase.sqlite(db), Checkpoint.verifierKey(AuditLogTest.ORIGIN, key.getPublic()), Optional.empty())
        .entries()).isEqualTo(4);
  }

  @Test
  void aChangeThatThrowsMidwayLeavesNoTrace(@TempDir Path dir) throws Exception {
    KeyPair key = AuditLogTest.ed25519();
    Path db = AuditLogTest.filled(dir, key, 2);
    AuditLogTest.sql(db, "CREATE TABLE app (k TEXT PRIMARY KEY, v BLOB)");
    try (AuditLog log = AuditLog.open(SqlDatabase.sqlite(db), AuditLogTest.ORIGIN, key, AuditLogTest.CLOCK, false)) {
      assertThatThrownBy(() -> log.append(new AuditEvent.AdminChange("app.put", "x"), c -> {
        PUT_X.apply(c);
        throw new IllegalStateException("injected after the change was written");
      })).isInstanceOf(IllegalStateException.class).hasMessage("injected after the change was written");
      assertThat(scalar(db, "SELECT COUNT(*) FROM app")).isZero();
      assertThat(log.append(new AuditEvent.AdminChange("app.put", "x"), c -> false)).isEmpty();
      assertThat(log.append(new AuditEvent.AdminChange("app.put", "x"), PUT_X)).isPresent();
    }
    assertThat(scalar(db, "SELECT COUNT(*) FROM app")).isEqualTo(1);
    assertThat(scalar(db, "SELECT COUNT(*) FROM ledger_entries")).isEqualTo(3);
    assertThat(scalar(db, "SELECT COUNT(*) FROM ledger_checkpoints")).isEqualTo(3);
  }
}
