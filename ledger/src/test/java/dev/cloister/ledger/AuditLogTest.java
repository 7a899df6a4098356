package dev.cloister.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.ledger.merkle.Merkle;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
  static final String ORIGIN = "cloister-broker/test";
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-28T08:00:00Z"), ZoneOffset.UTC);

  static KeyPair ed25519() throws Exception {
    return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
  }

  static Path filled(Path dir, KeyPair key, int n) throws Exception {
    Path db = dir.resolve("broker.db");
    try (AuditLog log = AuditLog.open(SqlDatabase.sqlite(db), ORIGIN, key, CLOCK, false)) {
      for (int i = 0; i < n; i++) {
        log.append(switch (i % 5) {
          case 0 -> new AuditEvent.SessionStarted("s" + i, "snp");
          case 1 -> new AuditEvent.AttestationVerdict("s" + i, "snp", "hardware", "affirming", "ab".repeat(48), "cd".repeat(32), "");
          case 2 -> new AuditEvent.KeyReleased("s" + i, "repo/key/" + i, "thumb", "ab".repeat(48));
          case 3 -> new AuditEvent.ReleaseDenied("s" + i, "repo/key/" + i, 403, "denied by * policy");
          default -> new AuditEvent.AdminChange("resource.put", "repo/key/" + i);
        });
      }
    }
    return db;
  }

  static void sql(Path db, String statement) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      s.executeUpdate(statement);
    }
  }

  @Test
  void appendReopenAndProve(@TempDir Path dir) throws Exception {
    KeyPair key = ed25519();
    Path db = filled(dir, key, 12);
    try (AuditLog log = AuditLog.open(SqlDatabase.sqlite(db), ORIGIN, key, CLOCK, false)) {
      assertThat(log.size()).isEqualTo(12);
      Checkpoint cp = log.latestCheckpoint();
      assertThat(cp.size()).isEqualTo(12);
      List<AuditEntry> entries = log.entries(0, 12);
      assertThat(entries).extracting(AuditEntry::index).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
      Merkle.verifyInclusion(Merkle.leafHash(entries.get(7).canonical()), 7, 12, log.inclusionProof(7, 12), cp.root());
      Checkpoint old = Checkpoint.verify(log.checkpoints(4, 5).get(0), ORIGIN, key.getPublic());
      Merkle.verifyConsistency(5, 12, old.root(), cp.root(), log.consistencyProof(5, 12));
      AuditEntry next = log.append(new AuditEvent.AdminChange("policy.set", "*"));
      assertThat(next.index()).isEqualTo(12);
    }
    assertThat(LedgerVerifier.verifyDatabase(SqlDatabase.sqlite(db), Checkpoint.verifierKey(ORIGIN, key.getPublic()), Optional.empty()).entries()).isEqualTo(13);
  }

  @Test
  void entriesAreCanonicalAndHoldOnlyTheirDocumentedFields() throws Exception {
    AuditEntry e = new AuditEntry(3, Instant.parse("2026-11-28T08:00:00Z"), "key_released", true,
        new AuditEvent.KeyReleased("s1", "repo/key/1", "thumb", "ab").fields());
    assertThat(new String(e.canonical())).isEqualTo(
        "{\"fields\":{\"measurement\":\"ab\",\"resource\":\"repo/key/1\",\"subject\":\"s1\",\"tee_key_thumbprint\":\"thumb\"},"
            + "\"index\":3,\"simulated_allowed\":true,\"time\":\"2026-11-28T08:00:00Z\",\"type\":\"key_released\"}");
    assertThat(AuditEntry.parse(e.canonical())).isEqualTo(e);
    assertThatThrownBy(() -> AuditEntry.parse("{\"index\":3, \"fields\":{}}".getBytes())).isInstanceOf(LedgerTamperedException.class);
  }

  @Test
  void editedRowIsDetected(@TempDir Path dir) throws Exception {
    KeyPair key = ed25519();
    Path db = filled(dir, key, 10);
    sql(db, "UPDATE ledger_entries SET body = replace(body, 'denied by', 'allowed by') WHERE idx = 3");
    String vkey = Checkpoint.verifierKey(ORIGIN, key.getPublic());
    assertThatThrownBy(() -> LedgerVerifier.verifyDatabase(SqlDatabase.sqlite(db), vkey, Optional.empty()))
        .isInstanceOf(LedgerTamperedException.class).hasMessageContaining("size 4");
    assertThatThrownBy(() -> AuditLog.open(SqlDatabase.sqlite(db), ORIGIN, key, CLOCK, false)).isInstanceOf(LedgerTamperedException.class);
  }

  @Test
  void deletedReorderedAndInsertedRowsAreDetected(@TempDir Path dir) throws Exception {
    KeyPair key = ed25519();
    String vkey = Checkpoint.verifierKey(ORIGIN, key.getPublic());
    Path a = filled(dir.resolve("a").toFile().mkdirs() ? dir.resolve("a") : dir.resolve("a"), key, 10);
    sql(a, "DELETE FROM ledger_entries WHERE idx = 4");
    assertThatThrownBy(() -> LedgerVerifier.verifyDatabase(SqlDatabase.sqlite(a), vkey, Optional.empty())).isInstanceOf(LedgerTamperedException.class);

    Path b = filled(dir.resolve("b").toFile().mkdirs() ? dir.resolve("b") : dir.resolve("b"), key, 10);
    sql(b, "UPDATE ledger_entries SET idx = -1 WHERE idx = 2");
    sql(b, "UPDATE ledger_entries SET idx = 2 WHERE idx = 3");
    sql(b, "UPDATE ledger_entries SET idx = 3 WHERE idx = -1");
    assertThatThrownBy(() -> LedgerVerifier.verifyDatabase(SqlDatabase.sqlite(b), vkey, Optional.empty()))
        .isInstanceOf(LedgerTamperedException.class).hasMessageContaining("position 2");

    Path c = filled(dir.resolve("c").toFile().mkdirs() ? dir.resolve("c") : dir.resolve("c"), key, 10);
    sql(c, "DELETE FROM ledger_checkpoints WHERE size = 5");
    assertThatThrownBy(() -> LedgerVerifier.verifyDatabase(SqlDatabase.sqlite(c), vkey, Optional.empty())).isInstanceOf(LedgerTamperedException.class);
  }

  @Test
  void checkpointsSignedByAnotherKeyAreRejected(@TempDir Path dir) throws Exception {
    KeyPair key = ed25519();
    Path db = filled(dir, key, 5);
    KeyPair other = ed25519();
    assertThatThrownBy(() -> LedgerVerifier.verifyDatabase(SqlDatabase.sqlite(db), Checkpoint.verifierKey(ORIGIN, other.getPublic()), Optional.empty()))
        .isInstanceOf(LedgerTamperedException.class).hasMessageContaining("no signature");
    // Re-signing the whole history with another key passes only for someone who pins that key.
    Path forged = filled(dir.resolve("f").toFile().mkdirs() ? dir.resolve("f") : dir, other, 5);
    assertThatThrownBy(() -> LedgerVerifier.verifyDatabase(SqlDatabase.sqlite(forged), Checkpoint.verifierKey(ORIGIN, key.getPublic()), Optional.empty()))
        .isInstanceOf(LedgerTamperedException.class);
  }

  @Test
  void truncationIsCaughtAgainstACheckpointKeptElsewhere(@TempDir Path dir) throws Exception {
    KeyPair key = ed25519();
    Path db = filled(dir, key, 8);
    String kept;
    try (AuditLog log = AuditLog.open(SqlDatabase.sqlite(db), ORIGIN, key, CLOCK, false)) {
      kept = log.latestCheckpoint().note();
    }
    sql(db, "DELETE FROM ledger_entries WHERE idx >= 6");
    sql(db, "DELETE FROM ledger_checkpoints WHERE size >= 7");
    String vkey = Checkpoint.verifierKey(ORIGIN, key.getPublic());
    assertThat(LedgerVerifier.verifyDatabase(SqlDatabase.sqlite(db), vkey, Optional.empty()).entries()).isEqualTo(6); // self-consistent
    assertThatThrownBy(() -> LedgerVerifier.verifyDatabase(SqlDatabase.sqlite(db), vkey, Optional.of(kept)))
        .isInstanceOf(LedgerTamperedException.class).hasMessageContaining("truncated");
  }

  @Test
  void checkpointNoteFormatAndVerifierKeyRoundTrip() throws Exception {
    KeyPair key = ed25519();
    Checkpoint cp = Checkpoint.sign(ORIGIN, 3, Merkle.emptyRoot(), key.getPrivate(), key.getPublic());
    assertThat(cp.note()).startsWith(ORIGIN + "\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n\u2014 " + ORIGIN + " ");
    var parsed = Checkpoint.parseVerifierKey(Checkpoint.verifierKey(ORIGIN, key.getPublic()));
    assertThat(Checkpoint.verify(cp.note(), parsed.getKey(), parsed.getValue()).size()).isEqualTo(3);
    assertThatThrownBy(() -> Checkpoint.verify(cp.note().replace("\n3\n", "\n4\n"), ORIGIN, key.getPublic()))
        .isInstanceOf(LedgerTamperedException.class).hasMessageContaining("signature invalid");
  }

  @Test
  void exportsOneLinePerEntry(@TempDir Path dir) throws Exception {
    KeyPair key = ed25519();
    Path db = filled(dir, key, 5);
    try (AuditLog log = AuditLog.open(SqlDatabase.sqlite(db), ORIGIN, key, CLOCK, false)) {
      StringWriter jsonl = new StringWriter();
      AuditExport.jsonl(log.entries(0, 5), jsonl);
      assertThat(jsonl.toString().lines()).hasSize(5).allMatch(l -> l.contains("\"leaf_hash\""));
      StringWriter ocsf = new StringWriter();
      AuditExport.ocsf(log.entries(0, 5), ocsf);
      List<String> lines = ocsf.toString().lines().toList();
      assertThat(lines).hasSize(5);
      assertThat(lines.get(1)).contains("\"class_uid\":3002").contains("\"type_uid\":300201").contains("\"status_id\":1");
      assertThat(lines.get(3)).contains("\"class_uid\":3003").contains("\"status_id\":2");
    }
  }
}
