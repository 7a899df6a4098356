package dev.cloister.ledger;

import dev.cloister.ledger.merkle.Merkle;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The append-only audit log in a SQLite database (tables prefixed {@code ledger_}, so it can share
 * the broker's database): entries in order, a signed checkpoint after every append, both in one
 * transaction with {@code synchronous=FULL}, so an append that returned survives {@code kill -9}.
 * Opening a log checks it against its latest checkpoint and refuses a log that does not match.
 * Thread-safe: appends are serialised.
 */
public final class AuditLog implements AutoCloseable {
  static final int SCHEMA_VERSION = 1;
  private final SqlDatabase database;
  private Connection db;
  private final String origin;
  private final KeyPair key;
  private final Clock clock;
  private final boolean simulatedAllowed;
  private final List<byte[]> leafHashes = new ArrayList<>();
  private Merkle.Accumulator tree = new Merkle.Accumulator();
  private Checkpoint latest;

  private AuditLog(SqlDatabase database, Connection db, String origin, KeyPair key, Clock clock, boolean simulatedAllowed) {
    this.database = database;
    this.db = db;
    this.origin = origin;
    this.key = key;
    this.clock = clock;
    this.simulatedAllowed = simulatedAllowed;
  }

  /**
   * Opens (creating if needed) the log in a database.
   *
   * @param origin the checkpoint origin and key name, e.g. {@code "cloister-broker/<id>"}
   * @param key an Ed25519 key pair that signs checkpoints
   * @param simulatedAllowed recorded in every entry this process writes
   * @throws LedgerTamperedException if the stored log does not match its latest checkpoint
   */
  public static AuditLog open(SqlDatabase database, String origin, KeyPair key, Clock clock, boolean simulatedAllowed)
      throws SQLException, LedgerTamperedException {
    Connection c = database.connect();
    try {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS ledger_schema (version INTEGER NOT NULL)");
        int version = 0;
        try (ResultSet r = s.executeQuery("SELECT MAX(version) FROM ledger_schema")) {
          if (r.next()) {
            version = r.getInt(1);
          }
        }
        if (version > SCHEMA_VERSION) {
          throw new SQLException("audit log schema " + version + " is newer than this build (" + SCHEMA_VERSION + ")");
        }
        if (version < 1) {
          s.execute("CREATE TABLE ledger_entries (idx BIGINT PRIMARY KEY, body " + database.blob() + " NOT NULL)");
          s.execute("CREATE TABLE ledger_checkpoints (size BIGINT PRIMARY KEY, note TEXT NOT NULL)");
          s.execute("INSERT INTO ledger_schema (version) VALUES (1)");
        }
      }
      AuditLog log = new AuditLog(database, c, origin, key, Objects.requireNonNull(clock), simulatedAllowed);
      log.load();
      return log;
    } catch (SQLException | LedgerTamperedException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private void load() throws SQLException, LedgerTamperedException {
    Stored stored = read(db);
    LedgerVerifier.Report report = LedgerVerifier.verify(stored.entries(), stored.checkpoints(), origin, key.getPublic());
    for (byte[] body : stored.entries()) {
      byte[] h = Merkle.leafHash(body);
      leafHashes.add(h);
      tree.add(h);
    }
    latest = report.latest();
  }

  /** The raw rows of a log: stored entry bytes and checkpoint notes, oldest first. */
  public record Stored(List<byte[]> entries, List<String> checkpoints) {
    /** The entries, parsed (each must be canonical). */
    public List<AuditEntry> parsed() throws LedgerTamperedException {
      List<AuditEntry> out = new ArrayList<>(entries.size());
      for (byte[] e : entries) {
        out.add(AuditEntry.parse(e));
      }
      return out;
    }
  }

  /**
   * Reads a log without keys and without writing (for auditors and exports), as one consistent
   * snapshot: a broker appending meanwhile adds an entry and its checkpoint in one transaction, and
   * this read sees either both or neither.
   */
  public static Stored readOnly(SqlDatabase database) throws SQLException {
    try (Connection c = database.connectReadOnly()) {
      return snapshot(c);
    }
  }

  /**
   * Both queries in one read transaction. Two separate statements would each see the log as it
   * was at that moment, so an append landing between them made a live log look tampered (issue 13).
   * SQLite's read transaction keeps one WAL snapshot; PostgreSQL needs REPEATABLE READ for that (its
   * default, READ COMMITTED, takes a new snapshot per statement).
   */
  static Stored snapshot(Connection c) throws SQLException {
    boolean auto = c.getAutoCommit();
    if (!c.getMetaData().getURL().startsWith("jdbc:sqlite:")) {
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    }
    c.setAutoCommit(false);
    try {
      Stored s = read(c);
      c.commit();
      return s;
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  static Stored read(Connection c) throws SQLException {
    List<byte[]> entries = new ArrayList<>();
    List<String> checkpoints = new ArrayList<>();
    try (Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("SELECT body FROM ledger_entries ORDER BY idx")) {
        while (r.next()) {
          entries.add(r.getBytes(1));
        }
      }
      try (ResultSet r = s.executeQuery("SELECT note FROM ledger_checkpoints ORDER BY size")) {
        while (r.next()) {
          checkpoints.add(r.getString(1));
        }
      }
    }
    return new Stored(entries, checkpoints);
  }

  /**
   * A change to other tables of the same database that must commit together with its audit entry.
   * Runs inside the append's transaction on the log's connection.
   */
  @FunctionalInterface
  public interface Change {
    /** Applies the change; false means there was nothing to change, and nothing (not even the entry) is written. */
    boolean apply(Connection c) throws SQLException;
  }

  /** Appends an event durably and signs the new tree head; returns the entry. */
  public synchronized AuditEntry append(AuditEvent event) throws SQLException {
    return append(event, c -> true).orElseThrow();
  }

  /**
   * Applies a change and appends the event recording it, with its checkpoint, in one transaction:
   * either all three are stored or none is (a failed write, e.g. {@code SQLITE_FULL}, leaves the
   * log and the change exactly as before, and the next append works once the cause is gone).
   *
   * @return the entry, or empty when the change reported there was nothing to change
   */
  public synchronized java.util.Optional<AuditEntry> append(AuditEvent event, Change change) throws SQLException {
    AuditEntry entry = new AuditEntry(tree.size(), clock.instant(), event.type(), simulatedAllowed, event.fields());
    byte[] body = entry.canonical();
    byte[] leaf = Merkle.leafHash(body);
    Merkle.Accumulator next = tree.copy();
    next.add(leaf);
    Checkpoint cp;
    try {
      cp = Checkpoint.sign(origin, next.size(), next.root(), key.getPrivate(), key.getPublic());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a checkpoint", e);
    }
    Connection db = connection();
    boolean committed = false;
    try {
      db.setAutoCommit(false);
      if (!change.apply(db)) {
        db.rollback();
        db.setAutoCommit(true);
        return java.util.Optional.empty();
      }
      try (PreparedStatement pe = db.prepareStatement("INSERT INTO ledger_entries (idx, body) VALUES (?, ?)");
          PreparedStatement pc = db.prepareStatement("INSERT INTO ledger_checkpoints (size, note) VALUES (?, ?)")) {
        pe.setLong(1, entry.index());
        pe.setBytes(2, body);
        pe.executeUpdate();
        pc.setLong(1, cp.size());
        pc.setString(2, cp.note());
        pc.executeUpdate();
      }
      db.commit();
      committed = true;
      db.setAutoCommit(true);
    } catch (SQLException | RuntimeException e) {
      if (!committed) {
        // SQLite may already have rolled the transaction back itself (SQLITE_FULL does), so the
        // connection's state is unknown: replace it rather than trust a rollback that can fail
        // with "no transaction is active" and leave the connection outside autocommit.
        reconnect(e);
      }
      throw e;
    }
    tree = next;
    leafHashes.add(leaf);
    latest = cp;
    return java.util.Optional.of(entry);
  }

  /**
   * After a failed transaction: rolls back what may remain, continues on a fresh connection and
   * reloads the tree from what is stored, so memory never disagrees with the database (a commit
   * that failed on the wire may still have landed, on PostgreSQL).
   */
  private void reconnect(Exception cause) {
    try {
      db.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
    try {
      db.close();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
    db = null;
    try {
      db = database.connect();
      leafHashes.clear();
      tree = new Merkle.Accumulator();
      load();
    } catch (SQLException | LedgerTamperedException e) {
      // Still unavailable: the next append reconnects and reloads again.
      cause.addSuppressed(e);
      closeQuietly();
    }
  }

  private void closeQuietly() {
    if (db != null) {
      try {
        db.close();
      } catch (SQLException e) {
        // already failing: nothing more to protect
      }
      db = null;
    }
  }

  private Connection connection() throws SQLException {
    if (db == null) {
      Connection c = database.connect();
      db = c;
      try {
        leafHashes.clear();
        tree = new Merkle.Accumulator();
        load();
      } catch (SQLException | LedgerTamperedException e) {
        closeQuietly();
        throw new SQLException("the audit log cannot be reloaded: " + e.getMessage(), e);
      }
    }
    return db;
  }

  public synchronized long size() {
    return leafHashes.size();
  }

  public synchronized Checkpoint latestCheckpoint() {
    return latest;
  }

  /** The signed-note verifier key auditors pin to check checkpoints. */
  public String verifierKey() {
    return Checkpoint.verifierKey(origin, key.getPublic());
  }

  public String origin() {
    return origin;
  }

  /** Entries {@code [from, to)}. */
  public synchronized List<AuditEntry> entries(long from, long to) throws SQLException, LedgerTamperedException {
    List<AuditEntry> out = new ArrayList<>();
    try (PreparedStatement p = connection().prepareStatement("SELECT body FROM ledger_entries WHERE idx >= ? AND idx < ? ORDER BY idx")) {
      p.setLong(1, from);
      p.setLong(2, to);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(AuditEntry.parse(r.getBytes(1)));
        }
      }
    }
    return out;
  }

  /** The checkpoint notes for sizes {@code (from, to]}, that is the checkpoints written by appends {@code from} to {@code to - 1}, oldest first. */
  public synchronized List<String> checkpoints(long from, long to) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement p = connection().prepareStatement("SELECT note FROM ledger_checkpoints WHERE size > ? AND size <= ? ORDER BY size")) {
      p.setLong(1, from);
      p.setLong(2, to);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(r.getString(1));
        }
      }
    }
    return out;
  }

  public synchronized List<byte[]> inclusionProof(int index, int size) {
    return Merkle.inclusionProof(leafHashes, index, size);
  }

  public synchronized List<byte[]> consistencyProof(int m, int n) {
    return Merkle.consistencyProof(leafHashes, m, n);
  }

  @Override
  public synchronized void close() {
    closeQuietly();
  }
}
