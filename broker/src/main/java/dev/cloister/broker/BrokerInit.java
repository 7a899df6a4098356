package dev.cloister.broker;

import dev.cloister.broker.store.BrokerStore;
import dev.cloister.broker.store.MasterKey;
import dev.cloister.broker.store.SecretFiles;
import dev.cloister.broker.token.EarTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Base64;

/**
 * Creates a broker's state in an empty data directory: the master key (its own file), the
 * database, the token-signing key (sealed in the database), the audit log's checkpoint key (its
 * verifier key in {@code DIR/audit.vkey}, for auditors to pin), and
 * the admin credential, written once to {@code DIR/admin.token} (mode 0600) while the database
 * keeps only its SHA-256.
 */
public final class BrokerInit {
  public static final String ADMIN_TOKEN_FILE = "admin.token";
  static final String SIGNING_KEY = "ear_signing_key_jwk";

  private BrokerInit() {}

  /** A broker whose state is SQLite in {@code DIR/broker.db}. @return the admin token file */
  public static Path init(Path dataDir, Clock clock) throws IOException, GeneralSecurityException, SQLException {
    return init(dataDir, clock, java.util.Optional.empty());
  }

  /**
   * A broker whose state is in {@code databaseUrl} (a {@code jdbc:postgresql:} URL; credentials
   * preferably from the environment or {@code ~/.pgpass}) or, when empty, SQLite in the directory.
   * The URL is kept in {@code DIR/database} (mode 0600). @return the admin token file
   */
  public static Path init(Path dataDir, Clock clock, java.util.Optional<String> databaseUrl)
      throws IOException, GeneralSecurityException, SQLException {
    Files.createDirectories(dataDir);
    try {
      Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: rely on the platform's defaults
    }
    if (Files.exists(dataDir.resolve(BrokerStore.DB_FILE)) || Files.exists(dataDir.resolve(ADMIN_TOKEN_FILE))
        || Files.exists(dataDir.resolve(BrokerStore.DATABASE_FILE))) {
      throw new FileAlreadyExistsException(dataDir + " already holds a broker; refusing to overwrite it");
    }
    if (databaseUrl.isPresent()) {
      dev.cloister.ledger.SqlDatabase.of(databaseUrl.get()); // validates the URL's form
      SecretFiles.writeNew(dataDir.resolve(BrokerStore.DATABASE_FILE), (databaseUrl.get() + "\n").getBytes(StandardCharsets.UTF_8));
    }
    MasterKey master = MasterKey.create(dataDir);
    byte[] admin = new byte[32];
    new SecureRandom().nextBytes(admin);
    String adminToken = Base64.getUrlEncoder().withoutPadding().encodeToString(admin);
    String vkey;
    try (BrokerStore store = BrokerStore.open(BrokerStore.database(dataDir), master, clock)) {
      if (store.initialised()) {
        throw new FileAlreadyExistsException("the database " + BrokerStore.database(dataDir) + " already holds a broker");
      }
      store.putSecretSetting(SIGNING_KEY, EarTokens.newSigningKey().toJSONString().getBytes(StandardCharsets.UTF_8));
      store.setAdminTokenHash(adminToken.getBytes(StandardCharsets.UTF_8));
      vkey = BrokerAudit.init(store);
    }
    Files.writeString(dataDir.resolve(BrokerAudit.VKEY_FILE), vkey + "\n");
    Path tokenFile = dataDir.resolve(ADMIN_TOKEN_FILE);
    SecretFiles.writeNew(tokenFile, (adminToken + "\n").getBytes(StandardCharsets.UTF_8));
    return tokenFile;
  }
}
