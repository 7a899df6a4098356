package dev.cloister.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 12: what a client sends the broker is read one way only. A duplicate key, content
 * after the JSON, or an {@code additional_evidence} that is not a string is a 400 naming it, never a
 * document read as something the client did not send.
 */
class StrictRequestBodiesTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir static Path tmp;
  static Broker broker;
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    Path dir = tmp.resolve("broker");
    admin = Files.readString(BrokerInit.init(dir, Clock.systemUTC())).strip();
    broker = Broker.start(Broker.Options.loopback(dir, 0));
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  static HttpResponse<String> post(String path, String body, String cookie, String bearer) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(broker.uri().resolve(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String detail(HttpResponse<String> r) throws Exception {
    return new ObjectMapper().readTree(r.body()).get("detail").asText();
  }

  @Test
  void authRefusesContentAfterTheJsonAndDuplicateKeys() throws Exception {
    HttpResponse<String> ok = post("/kbs/v0/auth", "{\"version\":\"0.4.0\",\"tee\":\"snp\"}", null, null);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    HttpResponse<String> trailing = post("/kbs/v0/auth", "{\"version\":\"0.4.0\",\"tee\":\"snp\"} {\"tee\":\"tdx\"}", null, null);
    assertThat(trailing.statusCode()).as(trailing.body()).isEqualTo(400);
    assertThat(detail(trailing)).isEqualTo("auth request: not strict JSON: content after the JSON value");
    HttpResponse<String> garbage = post("/kbs/v0/auth", "{\"version\":\"0.4.0\",\"tee\":\"snp\"}garbage", null, null);
    assertThat(garbage.statusCode()).as(garbage.body()).isEqualTo(400);
    assertThat(detail(garbage)).startsWith("auth request: not strict JSON: ");
    HttpResponse<String> twice = post("/kbs/v0/auth", "{\"version\":\"0.4.0\",\"tee\":\"tdx\",\"tee\":\"snp\"}", null, null);
    assertThat(twice.statusCode()).as(twice.body()).isEqualTo(400);
    assertThat(detail(twice)).isEqualTo("auth request: not strict JSON: duplicate key 'tee'");
  }

  @Test
  void attestRefusesAnAdditionalEvidenceThatIsNotAString() throws Exception {
    for (String additional : new String[] {"{\"a\":1}", "7", "[\"x\"]", "true"}) {
      HttpResponse<String> auth = post("/kbs/v0/auth", "{\"version\":\"0.4.0\",\"tee\":\"snp\"}", null, null);
      String cookie = auth.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
      String nonce = new ObjectMapper().readTree(auth.body()).get("nonce").asText();
      String body = "{\"runtime-data\":{\"nonce\":\"" + nonce + "\",\"tee-pubkey\":{\"kty\":\"EC\"}},"
          + "\"tee-evidence\":{\"primary_evidence\":{},\"additional_evidence\":" + additional + "}}";
      HttpResponse<String> r = post("/kbs/v0/attest", body, cookie, null);
      assertThat(r.statusCode()).as(additional + ": " + r.body()).isEqualTo(400);
      assertThat(detail(r)).isEqualTo("tee-evidence.additional_evidence: must be a string");
    }
  }

  @Test
  void trusteesPolicyRequestRefusesADuplicatePolicy() throws Exception {
    String allow = Base64.getUrlEncoder().withoutPadding().encodeToString("true".getBytes(StandardCharsets.UTF_8));
    String deny = Base64.getUrlEncoder().withoutPadding().encodeToString("false".getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> r = post("/kbs/v0/resource-policy", "{\"policy\":\"" + deny + "\",\"policy\":\"" + allow + "\"}", null, admin);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(detail(r)).isEqualTo("body: not strict JSON: duplicate key 'policy'");
    HttpResponse<String> trailing = post("/kbs/v0/resource-policy", "{\"policy\":\"" + deny + "\"} x", null, admin);
    assertThat(trailing.statusCode()).as(trailing.body()).isEqualTo(400);
  }
}
