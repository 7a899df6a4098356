package dev.cloister.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.Octets;
import dev.cloister.broker.store.BrokerStore;
import dev.cloister.enclave.kbs.KbsClient;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import dev.cloister.ledger.LedgerTamperedException;
import dev.cloister.ledger.LedgerVerifier;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker with its state in PostgreSQL. Needs {@code CLOISTER_TEST_POSTGRES}, a JDBC URL of a
 * server where the test may create a database (.ci/run starts one); skipped without it, except
 * under {@code CI=true}, where it must run.
 */
class PostgresBrokerTest {
  static String server() {
    String url = System.getenv("CLOISTER_TEST_POSTGRES");
    if (url == null || url.isBlank()) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError("CI=true but CLOISTER_TEST_POSTGRES is not set: .ci/run must start PostgreSQL");
      }
      Assumptions.abort("skipped: set CLOISTER_TEST_POSTGRES to a jdbc:postgresql: URL to run the PostgreSQL tests");
    }
    return url;
  }

  /** A fresh database on the test server; returns its URL. */
  static String freshDatabase() throws Exception {
    String server = server();
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
}
