package dev.cloister.broker.store;

import dev.cloister.ledger.AuditLog;
import dev.cloister.ledger.SqlDatabase;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The broker's tables (settings, resources, release policies) under a numbered schema, in SQLite
 * ({@code DIR/broker.db} by default) or PostgreSQL. A write that returned is durable (see
 * {@link SqlDatabase}) and survives {@code kill -9}. Secrets (resources, signing keys) are stored
 * sealed by the {@link MasterKey}; the admin credential only as its SHA-256. Admin changes are not
 * written here but returned as {@link AuditLog.Change}s, which the audit log commits in the same
 * transaction as their entry, so no change is ever in effect without its record.
 */
public final class BrokerStore implements AutoCloseable {
  public static final String DB_FILE = "broker.db";
  /** Holds a JDBC URL when the broker's state is not the default SQLite file. */
  public static final String DATABASE_FILE = "database";
  static final int SCHEMA_VERSION = 2;

  private final Connection db;
  private final MasterKey master;
  private final Clock clock;

  private BrokerStore(Connection db, MasterKey master, Clock clock) {
    this.db = db;
    this.master = master;
    this.clock = clock;
  }

  /** The database of a broker's data directory: the URL in {@code DIR/database}, else {@code DIR/broker.db}. */
  public static SqlDatabase database(Path dataDir) throws java.io.IOException {
    Path url = dataDir.resolve(DATABASE_FILE);
    return java.nio.file.Files.isRegularFile(url) ? SqlDatabase.of(java.nio.file.Files.readString(url).strip())
        : SqlDatabase.sqlite(dataDir.resolve(DB_FILE));
  }

  public static BrokerStore open(SqlDatabase database, MasterKey master, Clock clock) throws SQLException {
    Connection c = database.connect();
    BrokerStore store = new BrokerStore(c, master, clock);
    try {
      // Held by this connection for the store's lifetime: one broker per PostgreSQL database.
      DataDirectoryLock.acquire(database, c);
      store.migrate(database);
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
    return store;
  }

  /** True once {@code broker init} has stored an admin credential here. */
  public boolean initialised() throws SQLException {
    return setting("admin_token_sha256").isPresent();
  }

  private synchronized void migrate(SqlDatabase database) throws SQLException {
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
          s.execute("CREATE TABLE broker_settings (name TEXT PRIMARY KEY, value " + database.blob() + " NOT NULL)");
          s.execute("CREATE TABLE broker_resources (path TEXT PRIMARY KEY, ciphertext " + database.blob() + " NOT NULL, updated_at TEXT NOT NULL)");
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
      if (version < 2) {
        // v2: signed reference values and the pipeline keys trusted to sign them.
        db.setAutoCommit(false);
        try {
          s.execute("CREATE TABLE broker_pipeline_keys (kid TEXT PRIMARY KEY, jwk TEXT NOT NULL)");
          s.execute("CREATE TABLE broker_reference_values (name TEXT NOT NULL, version TEXT NOT NULL, document TEXT NOT NULL, "
              + "PRIMARY KEY (name, version))");
          s.execute("INSERT INTO broker_schema (version) VALUES (2)");
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
    try (PreparedStatement p = db.prepareStatement("INSERT INTO broker_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")) {
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

  /**
   * Stores (or replaces) a resource, sealed now; the write runs when the audit log commits it with
   * its entry (see {@link AuditedChanges}).
   */
  public AuditLog.Change resourcePut(ResourcePath path, byte[] secret) throws GeneralSecurityException {
    byte[] sealed = master.seal(secret, "resource:" + path);
    String at = clock.instant().toString();
    return c -> {
      try (PreparedStatement p = c.prepareStatement("INSERT INTO broker_resources (path, ciphertext, updated_at) VALUES (?, ?, ?) "
          + "ON CONFLICT (path) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at")) {
        p.setString(1, path.toString());
        p.setBytes(2, sealed);
        p.setString(3, at);
        p.executeUpdate();
      }
      return true;
    };
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

  /** Removes a resource (the owner revokes it); the change reports false if there was none. */
  public static AuditLog.Change resourceDelete(ResourcePath path) {
    return c -> {
      try (PreparedStatement p = c.prepareStatement("DELETE FROM broker_resources WHERE path = ?")) {
        p.setString(1, path.toString());
        return p.executeUpdate() > 0;
      }
    };
  }

  public List<String> resourceNames() throws SQLException {
    return strings("SELECT path FROM broker_resources ORDER BY path");
  }

  /** The first column of every row of a query without parameters. */
  private synchronized List<String> strings(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement s = db.createStatement(); ResultSet r = s.executeQuery(sql)) {
      while (r.next()) {
        out.add(r.getString(1));
      }
    }
    return out;
  }

  // ---- pipeline keys and signed reference values ----

  public static AuditLog.Change pipelineKeyPut(String kid, String publicJwk) {
    return c -> {
      try (PreparedStatement p = c.prepareStatement("INSERT INTO broker_pipeline_keys (kid, jwk) VALUES (?, ?) "
          + "ON CONFLICT (kid) DO UPDATE SET jwk = excluded.jwk")) {
        p.setString(1, kid);
        p.setString(2, publicJwk);
        p.executeUpdate();
      }
      return true;
    };
  }

  public List<String> pipelineKeys() throws SQLException {
    return strings("SELECT jwk FROM broker_pipeline_keys ORDER BY kid");
  }

  /** Stores a reference value document that the caller has verified. */
  public static AuditLog.Change referenceValuePut(String name, String version, String document) {
    return c -> {
      try (PreparedStatement p = c.prepareStatement("INSERT INTO broker_reference_values (name, version, document) VALUES (?, ?, ?) "
          + "ON CONFLICT (name, version) DO UPDATE SET document = excluded.document")) {
        p.setString(1, name);
        p.setString(2, version);
        p.setString(3, document);
        p.executeUpdate();
      }
      return true;
    };
  }

  public List<String> referenceValueDocuments() throws SQLException {
    return strings("SELECT document FROM broker_reference_values ORDER BY name, version");
  }

  // ---- release policies ----

  public AuditLog.Change policyPut(String scope, String expression) {
    String at = clock.instant().toString();
    return c -> {
      try (PreparedStatement p = c.prepareStatement("INSERT INTO broker_policies (scope, expression, updated_at) VALUES (?, ?, ?) "
          + "ON CONFLICT (scope) DO UPDATE SET expression = excluded.expression, updated_at = excluded.updated_at")) {
        p.setString(1, scope);
        p.setString(2, expression);
        p.setString(3, at);
        p.executeUpdate();
      }
      return true;
    };
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
