package dev.cloister.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.Octets;
import dev.cloister.enclave.kbs.KbsClient;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 items 8 and 9: a token issued under {@code --allow-simulated} releases nothing once the
 * broker runs without it (and the entry records the current setting); a cookie, which is a
 * credential and may be any secret a client sends, enters the audit log only as a digest.
 */
class BrokerTokenAndCookieTest {
  static final String MEASUREMENT = "ab".repeat(48);
  static final String HOST_DATA = "00".repeat(32);

  static HttpResponse<String> get(URI base, String path, String header, String value) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(path)).header(header, value).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> send(URI base, String admin, String method, String path, String body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + admin)
        .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static String lastLine(String ndjson, String type) {
    return ndjson.lines().filter(l -> l.contains("\"type\":\"" + type + "\"")).reduce((a, b) -> b).orElseThrow();
  }

  @Test
  void aTokenIssuedUnderAllowSimulatedReleasesNothingAfterARestartWithoutIt(@TempDir Path tmp) throws Exception {
    SimulatedSnpPlatform platform = SimulatedSnpPlatform.openOrCreate(tmp.resolve("platform"), Clock.systemUTC());
    Path dir = tmp.resolve("broker");
    String admin = Files.readString(BrokerInit.init(dir, Clock.systemUTC())).strip();
    String token;
    int port;
    try (Broker b = Broker.start(Broker.Options.loopback(dir, 0).withSimulation(List.of(platform.trustAnchor())))) {
      port = b.uri().getPort();
      assertThat(send(b.uri(), admin, "POST", "/kbs/v0/resource/sim/key/one", "secret").statusCode()).isEqualTo(200);
      // Pins the workload, but not the platform: the case the issue found.
      assertThat(send(b.uri(), admin, "PUT", "/kbs/v0/resource-policy/sim", "status == 'affirming' && claims.measurement == '" + MEASUREMENT
          + "' && claims.host_data == '" + HOST_DATA + "'").statusCode()).isEqualTo(200);
      KbsClient c = new KbsClient(b.uri());
      token = c.attest(platform.evidenceSource(Octets.fromHex(MEASUREMENT), Octets.fromHex(HOST_DATA)));
      assertThat(get(b.uri(), "/kbs/v0/resource/sim/key/one", "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);
    }
    // Same port, so the token's issuer still matches: only the setting differs.
    try (Broker b = Broker.start(Broker.Options.loopback(dir, port))) {
      HttpResponse<String> r = get(b.uri(), "/kbs/v0/resource/sim/key/one", "Authorization", "Bearer " + token);
      assertThat(r.statusCode()).isEqualTo(401);
      JsonNode problem = BrokerEndToEndTest.JSON.readTree(r.body());
      assertThat(problem.get("type").asText()).isEqualTo("https://cloister.dev/problems/token-invalid");
      assertThat(problem.get("detail").asText()).isEqualTo("the token was issued while the broker allowed the simulated platform, which it no longer does");
      String entry = lastLine(get(b.uri(), "/kbs/v0/audit/entries", "Authorization", "Bearer " + admin).body(), "release_denied");
      assertThat(entry).contains("\"simulated_allowed\":false").contains("\"http_status\":401")
          .contains("which it no longer does");
      assertThat(get(b.uri(), "/kbs/v0/audit/entries", "Authorization", "Bearer " + admin).body()).containsOnlyOnce("\"type\":\"key_released\"");
    }
    try (Broker b = Broker.start(Broker.Options.loopback(dir, port).withSimulation(List.of(platform.trustAnchor())))) {
      assertThat(get(b.uri(), "/kbs/v0/resource/sim/key/one", "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void theAdminTokenSentAsACookieLeavesOnlyItsDigestInTheLog(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("broker");
    String admin = Files.readString(BrokerInit.init(dir, Clock.systemUTC())).strip();
    try (Broker b = Broker.start(Broker.Options.loopback(dir, 0))) {
      HttpResponse<String> r = get(b.uri(), "/kbs/v0/resource/a/key/one", "Cookie", "kbs-session-id=" + admin);
      assertThat(r.statusCode()).isEqualTo(401);
      // An unknown cookie is refused before any decision: counted for its source, the cookie itself nowhere.
      b.flushAnonymousRefusals();
      String log = get(b.uri(), "/kbs/v0/audit/entries", "Authorization", "Bearer " + admin).body();
      assertThat(lastLine(log, "anonymous_refusals")).contains("\"resource_get 401 session-unknown\":1");
      assertThat(log).doesNotContain(admin);
      for (String f : List.of("broker.db", "broker.db-wal")) {
        // WAL mode: a recent write may still be in the -wal file.
        if (Files.exists(dir.resolve(f))) {
          assertThat(new String(Files.readAllBytes(dir.resolve(f)), StandardCharsets.ISO_8859_1)).doesNotContain(admin);
        }
      }
    }
  }
}
