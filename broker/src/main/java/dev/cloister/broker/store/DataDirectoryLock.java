package dev.cloister.broker.store;

import dev.cloister.ledger.SqlDatabase;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One broker per data directory: an exclusive lock on {@code DIR/broker.lock}, held for the
 * process's lifetime (the OS drops it when the process dies, even by {@code kill -9}, so a stale
 * file never blocks a restart). Two brokers on one directory would each cache policies the other
 * changes and append to one log from two tree states. The file holds the holder's pid, for the
 * refusal to name. For PostgreSQL state, see {@link #POSTGRES_KEY}.
 */
public final class DataDirectoryLock implements AutoCloseable {
  public static final String FILE = "broker.lock";
  /**
   * The session-level advisory lock key a broker holds on its PostgreSQL database (advisory locks
   * are per database), so two brokers sharing one database refuse as two on one directory do.
   */
  public static final long POSTGRES_KEY = 0x436c6f6973746572L; // "Cloister"

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock or refuses.
   *
   * @throws DataDirectoryInUseException if another broker (another process, or this one) holds it
   */
  public static DataDirectoryLock acquire(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this very process
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      String holder = holder(ch);
      ch.close();
      throw new DataDirectoryInUseException("another broker" + holder + " already serves " + dataDir
          + "; one broker per data directory: stop it first");
    }
    try {
      ch.truncate(0);
      ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
      ch.force(true);
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    return new DataDirectoryLock(ch, lock);
  }

  private static String holder(FileChannel ch) {
    try {
      ByteBuffer b = ByteBuffer.allocate(32);
      ch.read(b, 0);
      String pid = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
      return pid.matches("[0-9]{1,10}") ? " (pid " + pid + ")" : "";
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * On PostgreSQL, takes the broker's advisory lock on the connection that lives as long as the
   * broker (the server drops it when that session ends); nothing to do on SQLite, whose file the
   * directory lock covers.
   *
   * @throws DataDirectoryInUseException if another broker holds it
   */
  public static void acquire(SqlDatabase database, Connection c) throws SQLException {
    if (database.isSqlite()) {
      return;
    }
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT pg_try_advisory_lock(" + POSTGRES_KEY + ")")) {
      if (!r.next() || !r.getBoolean(1)) {
        throw new DataDirectoryInUseException("another broker already serves the database " + database
            + " (it holds PostgreSQL advisory lock " + POSTGRES_KEY + "); one broker per database: stop it first");
      }
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel releases it too
    }
    try {
      channel.close();
    } catch (IOException e) {
      // the process exit releases it in any case
    }
  }
}
