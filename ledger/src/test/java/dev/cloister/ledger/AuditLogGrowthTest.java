package dev.cloister.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 items 3 and 4 at the log: an entry stays small whatever text a client sent (the field
 * keeps a head, the whole text's length and SHA-256); the aggregated refusals entry keeps its
 * reasons bounded; checkpoints page; and a reader verifying while appends go on sees one snapshot.
 */
class AuditLogGrowthTest {
  @Test
  void aThreeMegabyteReasonMakesAnEntryOfAboutOneKilobyteNamingTheWholeByItsDigest() throws Exception {
    String certType = "A".repeat(3_000_000);
    String reason = "cert_chain[0].cert_type: unknown type '" + certType + "'";
    AuditEvent.AttestationVerdict v = new AuditEvent.AttestationVerdict("s", "snp", "unknown", "contraindicated", "", "", reason);
    AuditEntry e = new AuditEntry(0, Instant.parse("2026-12-02T00:00:00Z"), v.type(), false, v.fields());
    assertThat(e.canonical().length).isLessThan(2048);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(reason.getBytes(StandardCharsets.UTF_8)));
    assertThat(v.reason()).isEqualTo(reason.substring(0, AuditFields.KEPT_CHARS) + "...[truncated: " + reason.length() + " bytes, sha256:" + sha + "]");
    // At the bound a text is kept whole; one character more and it is truncated.
    assertThat(AuditFields.bound("p".repeat(AuditFields.MAX_CHARS))).hasSize(AuditFields.MAX_CHARS);
    assertThat(AuditFields.bound("p".repeat(AuditFields.MAX_CHARS + 1))).startsWith("p".repeat(AuditFields.KEPT_CHARS) + "...[truncated: 1025 bytes, sha256:");
    // A 380 KB path in an admin entry is bounded the same way.
    assertThat(new AuditEvent.AdminChange("admin.refused", "GET /kbs/v0/" + "a/".repeat(190_000)).target().length()).isLessThan(400);
  }

  @Test
  void anAggregatedRefusalsEntryKeepsAtMostSixteenReasonsAndTheirTotal() {
    Map<String, Long> reasons = new LinkedHashMap<>();
    for (int i = 0; i < 40; i++) {
      reasons.put("attest 400 bad-request " + i, 2L);
    }
    var counted = new AuditEvent.AnonymousRefusals("192.0.2.7", Instant.parse("2026-12-02T10:00:00Z"), Instant.parse("2026-12-02T10:01:00Z"), 80, reasons);
    assertThat(counted.reasons()).hasSize(AuditEvent.AnonymousRefusals.MAX_REASONS + 1);
    assertThat(counted.reasons().get(AuditEvent.AnonymousRefusals.OTHER_REASONS)).isEqualTo(48L);
    assertThat(counted.reasons().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(80L);
    assertThat(counted.fields()).containsEntry("count", 80L).containsEntry("from", "2026-12-02T10:00:00Z").containsEntry("source", "192.0.2.7");
  }

  @Test
  void aLiveReaderVerifiesASnapshotWhileAppendsGoOn(@TempDir Path dir) throws Exception {
    KeyPair key = AuditLogTest.ed25519();
    SqlDatabase db = SqlDatabase.sqlite(dir.resolve("log.db"));
    String vkey = Checkpoint.verifierKey(AuditLogTest.ORIGIN, key.getPublic());
    try (AuditLog log = AuditLog.open(db, AuditLogTest.ORIGIN, key, Clock.systemUTC(), false)) {
      log.append(new AuditEvent.AdminChange("broker.start", "test"));
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        int id = t;
        writers.add(Thread.ofPlatform().start(() -> {
          try {
            // Bounded, so the reader's work stays bounded too; it reads while they run.
            for (int i = 0; i < 400 && !stop.get(); i++) {
              log.append(new AuditEvent.AdminChange("resource.put", "w" + id + "/key/" + i));
            }
          } catch (Throwable e) {
            failed.set(e);
          }
        }));
      }
      long seen = 0;
      try {
        for (int round = 0; round < 20 && writers.stream().anyMatch(Thread::isAlive); round++) {
          long before = log.size();
          LedgerVerifier.Report r = LedgerVerifier.verifyDatabase(db, vkey, Optional.empty());
          assertThat(r.entries()).isGreaterThanOrEqualTo(before);
          seen = r.entries();
        }
      } finally {
        stop.set(true);
        for (Thread w : writers) {
          w.join();
        }
      }
      assertThat(failed.get()).isNull();
      assertThat(seen).isGreaterThan(1);
    }
  }

  @Test
  void checkpointsPageBySize(@TempDir Path dir) throws Exception {
    KeyPair key = AuditLogTest.ed25519();
    Path db = AuditLogTest.filled(dir, key, 7);
    try (AuditLog log = AuditLog.open(SqlDatabase.sqlite(db), AuditLogTest.ORIGIN, key, AuditLogTest.CLOCK, false)) {
      List<String> all = new ArrayList<>();
      for (long from = 0; from < 7; from += 3) {
        all.addAll(log.checkpoints(from, Math.min(from + 3, 7)));
      }
      assertThat(all).hasSize(7);
      for (int i = 0; i < 7; i++) {
        assertThat(Checkpoint.verify(all.get(i), AuditLogTest.ORIGIN, key.getPublic()).size()).isEqualTo(i + 1);
      }
    }
  }
}
