package dev.cloister.broker.store;

import dev.cloister.broker.release.ResourcePath;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The broker's tables in its SQLite database ({@code DIR/broker.db}): settings, resources and
 * release policies, under a numbered schema. WAL with {@code synchronous=FULL}: a write that
 * returned is on disk and survives {@code kill -9}. Secrets (resources, the token-signing key) are
 * stored sealed by the {@link MasterKey}; the admin credential only as its SHA-256.
 */
public final class BrokerStore implements AutoCloseable {
  public static final String DB_FILE = "broker.db";
  static final int SCHEMA_VERSION = 1;

  private final Connection db;
  private final MasterKey master;
  private final Clock clock;

  private BrokerStore(Connection db, MasterKey master, Clock clock) {
    this.db = db;
    this.master = master;
    this.clock = clock;
  }

  public static BrokerStore open(Path dataDir, MasterKey master, Clock clock) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(DB_FILE));
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
      s.execute("PRAGMA busy_timeout=5000");
    }
    BrokerStore store = new BrokerStore(c, master, clock);
    store.migrate();
    return store;
  }

  private synchronized void migrate() throws SQLException {
    try (Statement s = db.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS broker_schema (version INTEGER NOT NULL)");
      int version = 0;
      try (ResultSet r = s.executeQuery("SELECT MAX(version) FROM broker_schema")) {
        if (r.next()) {
          version = r.getInt(1);
        }
      }
      if (version > SCHEMA_VERSION) {
        throw new SQLException("database schema version " + version + " is newer than this broker (" + SCHEMA_VERSION + ")");
      }
      if (version < 1) {
        db.setAutoCommit(false);
        try {
          s.execute("CREATE TABLE broker_settings (name TEXT PRIMARY KEY, value BLOB NOT NULL)");
          s.execute("CREATE TABLE broker_resources (path TEXT PRIMARY KEY, ciphertext BLOB NOT NULL, updated_at TEXT NOT NULL)");
          s.execute("CREATE TABLE broker_policies (scope TEXT PRIMARY KEY, expression TEXT NOT NULL, updated_at TEXT NOT NULL)");
          s.execute("INSERT INTO broker_schema (version) VALUES (1)");
          db.commit();
        } catch (SQLException e) {
          db.rollback();
          throw e;
        } finally {
          db.setAutoCommit(true);
        }
      }
    }
  }

  // ---- settings ----

  public synchronized void putSetting(String name, byte[] value) throws SQLException {
    try (PreparedStatement p = db.prepareStatement("INSERT OR REPLACE INTO broker_settings (name, value) VALUES (?, ?)")) {
      p.setString(1, name);
      p.setBytes(2, value);
      p.executeUpdate();
    }
  }

  public synchronized Optional<byte[]> setting(String name) throws SQLException {
    try (PreparedStatement p = db.prepareStatement("SELECT value FROM broker_settings WHERE name = ?")) {
      p.setString(1, name);
      try (ResultSet r = p.executeQuery()) {
        return r.next() ? Optional.of(r.getBytes(1)) : Optional.empty();
      }
    }
  }

  /** Stores a secret setting sealed under the master key. */
  public void putSecretSetting(String name, byte[] secret) throws SQLException, GeneralSecurityException {
    putSetting(name, master.seal(secret, "setting:" + name));
  }

  public Optional<byte[]> secretSetting(String name) throws SQLException, GeneralSecurityException {
    Optional<byte[]> sealed = setting(name);
    return sealed.isEmpty() ? Optional.empty() : Optional.of(master.open(sealed.get(), "setting:" + name));
  }

  // ---- admin credential ----

  public void setAdminTokenHash(byte[] token) throws SQLException {
    putSetting("admin_token_sha256", sha256(token));
  }

  /** Constant-time check of a presented admin credential against the stored hash. */
  public boolean isAdminToken(byte[] presented) throws SQLException {
    Optional<byte[]> stored = setting("admin_token_sha256");
    return stored.isPresent() && MessageDigest.isEqual(stored.get(), sha256(presented));
  }

  // ---- resources ----

  public synchronized void putResource(ResourcePath path, byte[] secret) throws SQLException, GeneralSecurityException {
    byte[] sealed = master.seal(secret, "resource:" + path);
    try (PreparedStatement p = db.prepareStatement("INSERT OR REPLACE INTO broker_resources (path, ciphertext, updated_at) VALUES (?, ?, ?)")) {
      p.setString(1, path.toString());
      p.setBytes(2, sealed);
      p.setString(3, clock.instant().toString());
      p.executeUpdate();
    }
  }

  /** The secret, unsealed; the caller wipes it after use. */
  public Optional<byte[]> resource(ResourcePath path) throws SQLException, GeneralSecurityException {
    byte[] sealed;
    synchronized (this) {
      try (PreparedStatement p = db.prepareStatement("SELECT ciphertext FROM broker_resources WHERE path = ?")) {
        p.setString(1, path.toString());
        try (ResultSet r = p.executeQuery()) {
          if (!r.next()) {
            return Optional.empty();
          }
          sealed = r.getBytes(1);
        }
      }
    }
    return Optional.of(master.open(sealed, "resource:" + path));
  }

  public synchronized List<String> resourceNames() throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT path FROM broker_resources ORDER BY path")) {
      while (r.next()) {
        out.add(r.getString(1));
      }
    }
    return out;
  }

  // ---- release policies ----

  public synchronized void putPolicy(String scope, String expression) throws SQLException {
    try (PreparedStatement p = db.prepareStatement("INSERT OR REPLACE INTO broker_policies (scope, expression, updated_at) VALUES (?, ?, ?)")) {
      p.setString(1, scope);
      p.setString(2, expression);
      p.setString(3, clock.instant().toString());
      p.executeUpdate();
    }
  }

  public synchronized Optional<String> policy(String scope) throws SQLException {
    try (PreparedStatement p = db.prepareStatement("SELECT expression FROM broker_policies WHERE scope = ?")) {
      p.setString(1, scope);
      try (ResultSet r = p.executeQuery()) {
        return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
      }
    }
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized void close() throws SQLException {
    db.close();
  }
}
