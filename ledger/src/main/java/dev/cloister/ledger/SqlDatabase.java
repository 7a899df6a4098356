package dev.cloister.ledger;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;

/**
 * Where durable state lives: a SQLite file (the default, in the data directory) or a PostgreSQL
 * database (for deployments that need one), as a JDBC URL. Both are opened so that a write that
 * returned is on disk: SQLite in WAL mode with {@code synchronous=FULL}, PostgreSQL with its
 * default synchronous commit. The SQL used elsewhere is the subset both speak; only column types
 * differ, through {@link #blob()}.
 */
public final class SqlDatabase {
  private final String url;

  private SqlDatabase(String url) {
    this.url = url;
  }

  public static SqlDatabase sqlite(Path file) {
    return new SqlDatabase("jdbc:sqlite:" + file.toAbsolutePath());
  }

  /** A {@code jdbc:sqlite:} or {@code jdbc:postgresql:} URL. */
  public static SqlDatabase of(String jdbcUrl) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    if (!jdbcUrl.startsWith("jdbc:sqlite:") && !jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("database must be a jdbc:sqlite: or jdbc:postgresql: URL");
    }
    return new SqlDatabase(jdbcUrl);
  }

  public boolean isSqlite() {
    return url.startsWith("jdbc:sqlite:");
  }

  /** The column type for byte strings. */
  public String blob() {
    return isSqlite() ? "BLOB" : "BYTEA";
  }

  public Connection connect() throws SQLException {
    Connection c = DriverManager.getConnection(url);
    if (isSqlite()) {
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=5000");
      } catch (SQLException e) {
        c.close();
        throw e;
      }
    }
    return c;
  }

  /** A connection that cannot write, for auditors and exports. */
  public Connection connectReadOnly() throws SQLException {
    if (isSqlite()) {
      String file = url.substring("jdbc:sqlite:".length());
      if (!java.nio.file.Files.isRegularFile(Path.of(file))) {
        throw new SQLException("no database at " + file);
      }
      Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + file + "?mode=ro");
      try (Statement s = c.createStatement()) {
        s.executeQuery("SELECT count(*) FROM sqlite_master").close(); // where a WAL database needs its -shm index
        return c;
      } catch (SQLException e) {
        c.close();
        return readOnlySnapshot(Path.of(file), e);
      }
    }
    Connection c = DriverManager.getConnection(url);
    c.setReadOnly(true);
    return c;
  }

  /**
   * A WAL database in a directory this process cannot write (an auditor's read-only copy or mount):
   * SQLite cannot create the {@code -shm} index that even a read-only open needs. Without a {@code
   * -wal} file every committed transaction is in the main file and no connection has it open
   * (the last one to close removes both), so reading it as immutable sees exactly what is stored.
   * With a {@code -wal} file it would miss committed entries: refuse, saying what to do.
   */
  private static Connection readOnlySnapshot(Path file, SQLException cause) throws SQLException {
    Path wal = Path.of(file + "-wal");
    boolean walHoldsData;
    try {
      walHoldsData = java.nio.file.Files.exists(wal) && java.nio.file.Files.size(wal) > 0;
    } catch (java.io.IOException e) {
      walHoldsData = true;
    }
    if (java.nio.file.Files.isWritable(file.toAbsolutePath().getParent())) {
      throw cause; // not the read-only case: SQLite's own reason stands
    }
    if (walHoldsData) {
      throw new SQLException("cannot read " + file + " read-only: its write-ahead log " + wal
          + " holds transactions not yet in the database, and the directory is not writable; copy the directory somewhere writable and read the copy", cause);
    }
    return DriverManager.getConnection("jdbc:sqlite:file:" + file + "?immutable=1");
  }

  /** The URL without its query string (which may carry credentials), for messages. */
  @Override
  public String toString() {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q);
  }
}
