package dev.cloister.ledger;

import dev.cloister.ledger.merkle.Merkle;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a whole log: every entry parses, is canonical and sits at its own index; there is one
 * checkpoint per append, each signed by the pinned key and committing to exactly the entries
 * before it; the last one covers every entry. So any edited, deleted, inserted or reordered entry
 * or checkpoint is found and named. Works on plain data, wherever it came from (the database, or
 * entries and checkpoints fetched over HTTP). Truncation of the newest entries together with their
 * checkpoints can only be seen against a checkpoint kept elsewhere: pass it as {@code trusted}.
 */
public final class LedgerVerifier {
  private LedgerVerifier() {}

  /** What was checked. */
  public record Report(long entries, int checkpoints, Checkpoint latest) {
    public String rootHex() {
      return latest == null ? HexFormat.of().formatHex(Merkle.emptyRoot()) : HexFormat.of().formatHex(latest.root());
    }
  }

  public static Report verify(List<byte[]> entries, List<String> checkpointNotes, String name, PublicKey key)
      throws LedgerTamperedException {
    return verify(entries, checkpointNotes, name, key, Optional.empty());
  }

  public static Report verify(List<byte[]> entries, List<String> checkpointNotes, String name, PublicKey key, Optional<Checkpoint> trusted)
      throws LedgerTamperedException {
    if (checkpointNotes.size() != entries.size()) {
      throw new LedgerTamperedException("log has " + entries.size() + " entries but " + checkpointNotes.size()
          + " checkpoints (one is written per entry): rows were deleted or inserted");
    }
    Merkle.Accumulator tree = new Merkle.Accumulator();
    Checkpoint latest = null;
    for (int i = 0; i < entries.size(); i++) {
      AuditEntry e;
      try {
        e = AuditEntry.parse(entries.get(i));
      } catch (LedgerTamperedException ex) {
        throw new LedgerTamperedException("entry at position " + i + ": " + ex.getMessage());
      }
      if (e.index() != i) {
        throw new LedgerTamperedException("entry at position " + i + " claims index " + e.index() + ": entries deleted or reordered");
      }
      tree.add(Merkle.leafHash(entries.get(i)));
      Checkpoint cp = Checkpoint.verify(checkpointNotes.get(i), name, key);
      if (cp.size() != i + 1) {
        throw new LedgerTamperedException("checkpoint at position " + i + " is for size " + cp.size() + ", expected " + (i + 1));
      }
      if (!MessageDigest.isEqual(cp.root(), tree.root())) {
        throw new LedgerTamperedException("checkpoint for size " + cp.size() + ": root differs from the entries (entry " + i + " or an earlier one was edited)");
      }
      if (trusted.isPresent() && trusted.get().size() == cp.size() && !MessageDigest.isEqual(trusted.get().root(), cp.root())) {
        throw new LedgerTamperedException("the log's history differs from the trusted checkpoint for size " + cp.size());
      }
      latest = cp;
    }
    if (trusted.isPresent() && trusted.get().size() > entries.size()) {
      throw new LedgerTamperedException("the trusted checkpoint covers " + trusted.get().size() + " entries but the log has only "
          + entries.size() + ": the log was truncated");
    }
    return new Report(entries.size(), checkpointNotes.size(), latest);
  }

  /** Verifies the log stored in a database against a pinned signed-note verifier key. */
  public static Report verifyDatabase(SqlDatabase database, String verifierKey, Optional<String> trustedCheckpointNote)
      throws SQLException, LedgerTamperedException {
    Map.Entry<String, PublicKey> vkey = Checkpoint.parseVerifierKey(verifierKey);
    Optional<Checkpoint> trusted = Optional.empty();
    if (trustedCheckpointNote.isPresent()) {
      trusted = Optional.of(Checkpoint.verify(trustedCheckpointNote.get(), vkey.getKey(), vkey.getValue()));
    }
    AuditLog.Stored s = AuditLog.readOnly(database);
    return verify(s.entries(), s.checkpoints(), vkey.getKey(), vkey.getValue(), trusted);
  }
}
