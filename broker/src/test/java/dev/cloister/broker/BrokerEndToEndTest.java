package dev.cloister.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.crypto.ECDHDecrypter;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.evidence.SnpEvidenceCodec;
import dev.cloister.enclave.kbs.EvidenceSource;
import dev.cloister.enclave.kbs.KbsClient;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import dev.cloister.ledger.LedgerVerifier;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker over real HTTP on loopback, with real storage and cryptography: the simulated
 * platform's evidence obtains a key, and every way of asking wrongly is refused with the right
 * status, recorded in the audit log, and releases nothing.
 */
class BrokerEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final byte[] SECRET = "hospital-a dataset key: 32 bytes!".getBytes(StandardCharsets.UTF_8);
  static final String MEASUREMENT = "ab".repeat(48);
  static final String HOST_DATA = "5a".repeat(32);
  /** What 'contract bind' writes, for a contract digest HOST_DATA and workload MEASUREMENT. */
  static final String BOUND = "status == 'affirming' && claims.platform in ['hardware', 'simulated'] && claims.host_data == '" + HOST_DATA
      + "' && claims.measurement == '" + MEASUREMENT + "'";
  @TempDir static Path tmp;
  static SimulatedSnpPlatform platform;
  static Path dataDir;
  static Broker broker;
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    platform = SimulatedSnpPlatform.openOrCreate(tmp.resolve("platform"), Clock.systemUTC());
    dataDir = tmp.resolve("broker");
    Path tokenFile = BrokerInit.init(dataDir, Clock.systemUTC());
    admin = Files.readString(tokenFile).strip();
    broker = Broker.start(Broker.Options.loopback(dataDir, 0).withSimulation(List.of(platform.trustAnchor())));
    assertThat(put(broker.uri(), admin, "/kbs/v0/resource/hospital-a/key/dataset", SECRET).statusCode()).isEqualTo(200);
    assertThat(policy(broker.uri(), "hospital-a", BOUND).statusCode()).isEqualTo(200);
  }

  static HttpResponse<String> policy(URI base, String scope, String cel) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve("/kbs/v0/resource-policy/" + scope))
        .header("Authorization", "Bearer " + admin).PUT(HttpRequest.BodyPublishers.ofString(cel)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  static EvidenceSource simulated(boolean debug, String measurement) {
    return simulated(debug, measurement, HOST_DATA);
  }

  static EvidenceSource simulated(boolean debug, String measurement, String hostData) {
    return reportData -> JSON.readTree(SnpEvidenceCodec.encodeTrusteeJson(
        platform.report(SimulatedSnpPlatform.ReportRequest.builder().reportData(Octets.copyOf(reportData))
            .measurement(Octets.fromHex(measurement)).hostData(Octets.fromHex(hostData)).debug(debug).build()),
        platform.vcek(), platform.chain()));
  }

  static HttpResponse<String> put(URI base, String token, String path, byte[] body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(URI base, String token, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
        .GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static long count(String type) throws Exception {
    return get(broker.uri(), admin, "/kbs/v0/audit/entries").body().lines().filter(l -> l.contains("\"type\":\"" + type + "\"")).count();
  }

  @Test
  void simulatedEvidenceObtainsTheKeyAndTheTokenIsAStandardJwt() throws Exception {
    KbsClient client = new KbsClient(broker.uri());
    String token = client.attest(simulated(false, MEASUREMENT));
    assertThat(client.resource("hospital-a/key/dataset")).isEqualTo(SECRET);

    JWKSet jwks = JWKSet.parse(get(broker.uri(), "", "/.well-known/jwks.json").body());
    SignedJWT jwt = SignedJWT.parse(token);
    assertThat(jwt.verify(new ECDSAVerifier(jwks.getKeyByKeyId(jwt.getHeader().getKeyID()).toECKey()))).isTrue();
    var claims = jwt.getJWTClaimsSet();
    assertThat(claims.getStringClaim("eat_profile")).isEqualTo("tag:github.com,2023:veraison/ear");
    assertThat(claims.getBooleanClaim("cloister.simulated-allowed")).isTrue();
    @SuppressWarnings("unchecked")
    var cpu0 = (java.util.Map<String, Object>) claims.getJSONObjectClaim("submods").get("cpu0");
    assertThat(cpu0.get("ear.status")).isEqualTo("affirming");
    JsonNode discovery = JSON.readTree(get(broker.uri(), "", "/.well-known/openid-configuration").body());
    assertThat(discovery.get("jwks_uri").asText()).endsWith("/.well-known/jwks.json");

    // The token alone (no session cookie) also works, as a bearer credential: the JWE it buys
    // opens with the TEE key the token was issued to, and with no other.
    ECKey teeKey = new ECKeyGenerator(Curve.P_256).generate();
    Raw raw = new Raw();
    raw.auth();
    ObjectNode attestation = raw.attestation(raw.nonce, JSON.readTree(teeKey.toPublicJWK().toJSONString()), simulated(false, MEASUREMENT), raw.nonce);
    HttpResponse<String> attested = raw.post("/kbs/v0/attest", attestation);
    assertThat(attested.statusCode()).as(attested.body()).isEqualTo(200);
    String bearer = JSON.readTree(attested.body()).get("token").asText();
    HttpResponse<String> r = get(broker.uri(), bearer, "/kbs/v0/resource/hospital-a/key/dataset");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode jwe = JSON.readTree(r.body());
    JWEObject released = JWEObject.parse(String.join(".", jwe.get("protected").asText(), jwe.get("encrypted_key").asText(),
        jwe.get("iv").asText(), jwe.get("ciphertext").asText(), jwe.get("tag").asText()));
    assertThat(released.getHeader().getAlgorithm()).isEqualTo(JWEAlgorithm.ECDH_ES_A256KW);
    assertThatThrownBy(() -> JWEObject.parse(released.serialize()).decrypt(new ECDHDecrypter(new ECKeyGenerator(Curve.P_256).generate())))
        .isInstanceOf(com.nimbusds.jose.JOSEException.class);
    released.decrypt(new ECDHDecrypter(teeKey));
    assertThat(released.getPayload().toBytes()).isEqualTo(SECRET);
  }

  @Test
  void aKeyThatNoPolicyPinsIsReleasedToNoOne() throws Exception {
    Path dir = tmp.resolve("unbound");
    String a = Files.readString(BrokerInit.init(dir, Clock.systemUTC())).strip();
    String saved = admin;
    admin = a;
    try {
      try (Broker b = Broker.start(Broker.Options.loopback(dir, 0).withSimulation(List.of(platform.trustAnchor())))) {
        assertThat(put(b.uri(), a, "/kbs/v0/resource/u/key/one", SECRET).statusCode()).isEqualTo(200);
        assertThat(b.unreleasableAtStart()).isEmpty();
        KbsClient genuine = new KbsClient(b.uri());
        genuine.attest(simulated(false, MEASUREMENT)); // affirming evidence from a platform this broker trusts
        assertThatThrownBy(() -> genuine.resource("u/key/one")).isInstanceOfSatisfying(KbsClient.KbsRefusedException.class, e -> {
          assertThat(e.status()).isEqualTo(403);
          assertThat(e.getMessage()).startsWith("release policy denied u/key/one: no release policy covers u/key/one; nothing is released");
        });
        // What the built-in default used to be: any affirming TEE. Stored, but it releases nothing, and the answer says so.
        HttpResponse<String> anyTee = policy(b.uri(), "*", "status == 'affirming' && claims.platform in ['hardware', 'simulated']");
        assertThat(anyTee.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(anyTee.body()).get("pins").asText()).isEmpty();
        assertThat(JSON.readTree(anyTee.body()).get("warning").asText()).startsWith("releases nothing: a release policy must pin the workload");
        assertThatThrownBy(() -> genuine.resource("u/key/one")).isInstanceOfSatisfying(KbsClient.KbsRefusedException.class, e -> {
          assertThat(e.status()).isEqualTo(403);
          assertThat(e.getMessage()).startsWith("release policy denied u/key/one: the * policy pins no workload, so it releases nothing");
        });
        // The measurement alone, or the host data only under an '||', does not pin an SEV-SNP workload either.
        assertThat(policy(b.uri(), "u", "status == 'affirming' && claims.measurement == '" + MEASUREMENT + "' && (claims.host_data == '"
            + HOST_DATA + "' || true)").statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> genuine.resource("u/key/one")).isInstanceOfSatisfying(KbsClient.KbsRefusedException.class,
            e -> assertThat(e.getMessage()).startsWith("release policy denied u/key/one: the u policy pins no workload"));
        HttpResponse<String> shown = get(b.uri(), a, "/kbs/v0/resource-policy/u/key/one");
        assertThat(JSON.readTree(shown.body()).get("scope").asText()).isEqualTo("u");
        assertThat(JSON.readTree(shown.body()).has("warning")).isTrue();
      }
      // broker serve lists, at start, what it keeps from everyone.
      try (Broker b = Broker.start(Broker.Options.loopback(dir, 0).withSimulation(List.of(platform.trustAnchor())))) {
        assertThat(b.unreleasableAtStart()).containsExactly(java.util.Map.entry("u/key/one", "its policy (u) pins no workload"));
        assertThat(policy(b.uri(), "u/key/one", BOUND).statusCode()).isEqualTo(200);
        KbsClient bound = new KbsClient(b.uri());
        bound.attest(simulated(false, MEASUREMENT));
        assertThat(bound.resource("u/key/one")).isEqualTo(SECRET);
        KbsClient otherContract = new KbsClient(b.uri());
        otherContract.attest(simulated(false, MEASUREMENT, "5b".repeat(32)));
        assertThatThrownBy(() -> otherContract.resource("u/key/one")).isInstanceOfSatisfying(KbsClient.KbsRefusedException.class,
            e -> assertThat(e.getMessage()).isEqualTo("release policy denied u/key/one: denied by u/key/one policy"));
      }
      try (Broker b = Broker.start(Broker.Options.loopback(dir, 0))) {
        assertThat(b.unreleasableAtStart()).isEmpty();
      }
    } finally {
      admin = saved;
    }
  }

  /** One raw protocol exchange, to send what a well-behaved client never would. */
  static final class Raw {
    final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    String nonce;

    HttpResponse<String> post(String path, Object body) throws Exception {
      return http.send(HttpRequest.newBuilder(broker.uri().resolve(path)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
      return http.send(HttpRequest.newBuilder(broker.uri().resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    void auth() throws Exception {
      HttpResponse<String> r = post("/kbs/v0/auth", JSON.readTree("{\"version\":\"0.4.0\",\"tee\":\"snp\",\"extra-params\":{}}"));
      assertThat(r.statusCode()).isEqualTo(200);
      nonce = JSON.readTree(r.body()).get("nonce").asText();
    }

    ObjectNode attestation(String usingNonce, KbsClient keyHolder, EvidenceSource source, String bindNonce) throws Exception {
      return attestation(usingNonce, keyHolder.teePubkey(), source, bindNonce);
    }

    ObjectNode attestation(String usingNonce, JsonNode teePubkey, EvidenceSource source, String bindNonce) throws Exception {
      ObjectNode a = JSON.createObjectNode();
      ObjectNode rd = a.putObject("runtime-data");
      rd.put("nonce", usingNonce);
      rd.set("tee-pubkey", teePubkey);
      byte[] reportData = dev.cloister.attestation.binding.RuntimeDataBinding.reportData(bindNonce, teePubkey, "", 64);
      ObjectNode ev = a.putObject("tee-evidence");
      ev.set("primary_evidence", source.evidence(reportData));
      ev.put("additional_evidence", "");
      return a;
    }
  }

  static void problem(HttpResponse<String> r, int status, String type) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(JSON.readTree(r.body()).get("type").asText()).endsWith("/" + type);
  }

  @Test
  void wrongNonceReplayAndMissingSessionAreRefused() throws Exception {
    long releasedBefore = count("key_released");
    KbsClient key = new KbsClient(broker.uri());
    Raw raw = new Raw();
    raw.auth();
    String otherNonce = java.util.Base64.getEncoder().encodeToString(new byte[32]);
    problem(raw.post("/kbs/v0/attest", raw.attestation(otherNonce, key, simulated(false, MEASUREMENT), otherNonce)), 401, "nonce-mismatch");
    // The nonce is spent even by a failed attempt: the honest retry on the same session is refused too.
    problem(raw.post("/kbs/v0/attest", raw.attestation(raw.nonce, key, simulated(false, MEASUREMENT), raw.nonce)), 401, "replay");

    Raw replay = new Raw();
    replay.auth();
    ObjectNode good = replay.attestation(replay.nonce, key, simulated(false, MEASUREMENT), replay.nonce);
    assertThat(replay.post("/kbs/v0/attest", good).statusCode()).isEqualTo(200);
    problem(replay.post("/kbs/v0/attest", good), 401, "replay");

    Raw other = new Raw();
    other.auth();
    // Evidence bound to another session's nonce, sent with that nonce: not this session's.
    problem(other.post("/kbs/v0/attest", other.attestation(replay.nonce, key, simulated(false, MEASUREMENT), replay.nonce)), 401, "nonce-mismatch");

    Raw binding = new Raw();
    binding.auth();
    // Right nonce in the runtime data, but REPORT_DATA binds something else.
    problem(binding.post("/kbs/v0/attest", binding.attestation(binding.nonce, key, simulated(false, MEASUREMENT), "x")), 401, "binding-failed");

    Raw none = new Raw();
    problem(none.post("/kbs/v0/attest", JSON.createObjectNode()), 401, "session-missing");
    problem(none.get("/kbs/v0/resource/hospital-a/key/dataset"), 401, "session-missing");
    problem(none.post("/kbs/v0/auth", JSON.readTree("{\"version\":\"0.3.0\",\"tee\":\"snp\"}")), 401, "version-mismatch");
    assertThat(count("key_released")).isEqualTo(releasedBefore);
    // Refused before any decision: counted for their source, in one entry per minute, not one each.
    broker.flushAnonymousRefusals();
    String counted = get(broker.uri(), admin, "/kbs/v0/audit/entries?from=0&limit=10000").body().lines()
        .filter(l -> l.contains("\"type\":\"anonymous_refusals\"")).reduce("", String::concat);
    assertThat(counted).contains("\"attest 401 nonce-mismatch\"").contains("\"attest 401 session-missing\"")
        .contains("\"resource_get 401 session-missing\"").contains("\"auth 401 version-mismatch\"").contains("\"source\":\"127.0.0.1\"");
  }

  @Test
  void debugGuestAndWrongMeasurementGetNothing() throws Exception {
    KbsClient debug = new KbsClient(broker.uri());
    debug.attest(simulated(true, MEASUREMENT)); // a token, whose status is contraindicated
    assertThatThrownBy(() -> debug.resource("hospital-a/key/dataset"))
        .isInstanceOfSatisfying(KbsClient.KbsRefusedException.class, e -> assertThat(e.status()).isEqualTo(403));

    assertThat(put(broker.uri(), admin, "/kbs/v0/resource/hospital-b/key/dataset", SECRET).statusCode()).isEqualTo(200);
    HttpResponse<String> set = policy(broker.uri(), "hospital-b", BOUND);
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    assertThat(JSON.readTree(set.body()).get("pins").asText()).isEqualTo("snp, az-snp-vtpm");
    KbsClient wrong = new KbsClient(broker.uri());
    wrong.attest(simulated(false, "cd".repeat(48)));
    assertThatThrownBy(() -> wrong.resource("hospital-b/key/dataset"))
        .isInstanceOfSatisfying(KbsClient.KbsRefusedException.class, e -> assertThat(e.status()).isEqualTo(403));
    KbsClient right = new KbsClient(broker.uri());
    right.attest(simulated(false, MEASUREMENT));
    assertThat(right.resource("hospital-b/key/dataset")).isEqualTo(SECRET);
    assertThatThrownBy(() -> right.resource("hospital-b/key/unknown"))
        .isInstanceOfSatisfying(KbsClient.KbsRefusedException.class, e -> assertThat(e.status()).isEqualTo(404));
    HttpResponse<String> badPolicy = HttpClient.newHttpClient().send(HttpRequest.newBuilder(broker.uri().resolve("/kbs/v0/resource-policy/hospital-b"))
        .header("Authorization", "Bearer " + admin).PUT(HttpRequest.BodyPublishers.ofString("status ==")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(badPolicy.statusCode()).isEqualTo(400);
  }

  @Test
  void tamperedTokenAndForeignAdminAreRefused() throws Exception {
    KbsClient client = new KbsClient(broker.uri());
    String token = client.attest(simulated(false, MEASUREMENT));
    String[] parts = token.split("\\.");
    String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("\"affirming\"", "\"affirming \"");
    String forged = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    problem(get(broker.uri(), forged, "/kbs/v0/resource/hospital-a/key/dataset"), 401, "token-invalid");
    problem(get(broker.uri(), "not.a.jwt", "/kbs/v0/resource/hospital-a/key/dataset"), 401, "token-invalid");

    Path otherDir = tmp.resolve("other-broker");
    String otherAdmin = Files.readString(BrokerInit.init(otherDir, Clock.systemUTC())).strip();
    problem(put(broker.uri(), otherAdmin, "/kbs/v0/resource/hospital-a/key/evil", "x".getBytes()), 401, "admin-unauthorized");
    problem(get(broker.uri(), otherAdmin, "/kbs/v0/resources"), 401, "admin-unauthorized");
    // The EAR token is not an admin credential either.
    problem(get(broker.uri(), token, "/kbs/v0/resources"), 401, "admin-unauthorized");
    JsonNode names = JSON.readTree(get(broker.uri(), admin, "/kbs/v0/resources").body());
    assertThat(names.get("resources").toString()).contains("hospital-a/key/dataset").doesNotContain("evil");
    broker.flushAnonymousRefusals();
    assertThat(get(broker.uri(), admin, "/kbs/v0/audit/entries?limit=10000").body()).contains("\"resource_put 401 admin-unauthorized\"")
        .contains("\"resources 401 admin-unauthorized\"");
  }

  @Test
  void simulatedEvidenceIsRefusedWithoutAllowSimulated() throws Exception {
    Path dir = tmp.resolve("strict-broker");
    String strictAdmin = Files.readString(BrokerInit.init(dir, Clock.systemUTC())).strip();
    try (Broker strict = Broker.start(Broker.Options.loopback(dir, 0))) {
      assertThat(put(strict.uri(), strictAdmin, "/kbs/v0/resource/hospital-a/key/dataset", SECRET).statusCode()).isEqualTo(200);
      KbsClient client = new KbsClient(strict.uri());
      assertThatThrownBy(() -> client.attest(simulated(false, MEASUREMENT)))
          .isInstanceOfSatisfying(KbsClient.KbsRefusedException.class, e -> {
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.getMessage()).contains("not a trusted root");
          });
      String entries = get(strict.uri(), strictAdmin, "/kbs/v0/audit/entries").body();
      assertThat(entries).contains("attestation_verdict").contains("\"simulated_allowed\":false").doesNotContain("key_released");
    }
  }

  @Test
  void manyClientsAttestingAtOnceGetDistinctSessionsAndTheKey() throws Exception {
    int clients = 24;
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<String>> tokens = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        tokens.add(pool.submit((Callable<String>) () -> {
          KbsClient c = new KbsClient(broker.uri());
          String t = c.attest(simulated(false, MEASUREMENT));
          assertThat(c.resource("hospital-a/key/dataset")).isEqualTo(SECRET);
          return SignedJWT.parse(t).getJWTClaimsSet().getStringClaim("eat_nonce");
        }));
      }
      Set<String> nonces = new HashSet<>();
      for (Future<String> f : tokens) {
        nonces.add(f.get());
      }
      assertThat(nonces).hasSize(clients);
    }
  }

  @Test
  void metricsAndHealth() throws Exception {
    assertThat(get(broker.uri(), "", "/healthz").statusCode()).isEqualTo(200);
    new KbsClient(broker.uri()).attest(simulated(false, MEASUREMENT));
    String metrics = get(broker.uri(), "", "/metrics").body();
    assertThat(metrics).contains("kbs_auth_total").contains("kbs_attestations_total").contains("kbs_request_seconds");
  }

  @Test
  void restartKeepsEverythingAndAnEditedRowFailsVerification() throws Exception {
    Path dir = tmp.resolve("restart");
    String a = Files.readString(BrokerInit.init(dir, Clock.systemUTC())).strip();
    try (Broker b = Broker.start(Broker.Options.loopback(dir, 0).withSimulation(List.of(platform.trustAnchor())))) {
      assertThat(put(b.uri(), a, "/kbs/v0/resource/r/key/one", SECRET).statusCode()).isEqualTo(200);
      assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(b.uri().resolve("/kbs/v0/resource-policy/r"))
          .header("Authorization", "Bearer " + a).PUT(HttpRequest.BodyPublishers.ofString(BOUND)).build(), HttpResponse.BodyHandlers.ofString())
          .statusCode()).isEqualTo(200);
      KbsClient c = new KbsClient(b.uri());
      c.attest(simulated(false, MEASUREMENT));
      assertThat(c.resource("r/key/one")).isEqualTo(SECRET);
    }
    String vkey = Files.readString(dir.resolve("audit.vkey")).strip();
    long entries = LedgerVerifier.verifyDatabase(dev.cloister.ledger.SqlDatabase.sqlite(dir.resolve("broker.db")), vkey, Optional.empty()).entries();
    try (Broker b = Broker.start(Broker.Options.loopback(dir, 0).withSimulation(List.of(platform.trustAnchor())))) {
      KbsClient c = new KbsClient(b.uri());
      c.attest(simulated(false, MEASUREMENT));
      assertThat(c.resource("r/key/one")).isEqualTo(SECRET);
    }
    assertThat(LedgerVerifier.verifyDatabase(dev.cloister.ledger.SqlDatabase.sqlite(dir.resolve("broker.db")), vkey, Optional.empty()).entries()).isGreaterThan(entries);
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("broker.db")); var s = db.createStatement()) {
      s.executeUpdate("UPDATE ledger_entries SET body = replace(body, 'key_released', 'key_releasex') WHERE body LIKE '%key_released%'");
    }
    assertThatThrownBy(() -> LedgerVerifier.verifyDatabase(dev.cloister.ledger.SqlDatabase.sqlite(dir.resolve("broker.db")), vkey, Optional.empty()))
        .isInstanceOf(dev.cloister.ledger.LedgerTamperedException.class);
    assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(dir, 0))).hasMessageContaining("refusing to start");
  }

  @Test
  void acknowledgedWritesSurviveSigkill() throws Exception {
    Path dir = tmp.resolve("sigkill");
    String a = Files.readString(BrokerInit.init(dir, Clock.systemUTC())).strip();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        BrokerProcessMain.class.getName(), dir.toString(), tmp.resolve("platform").toString()).redirectErrorStream(true).start();
    List<String> acknowledged = new ArrayList<>();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      int port = -1;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("PORT ")) {
          port = Integer.parseInt(line.substring(5).strip());
          break;
        }
      }
      assertThat(port).isPositive();
      URI uri = URI.create("http://127.0.0.1:" + port);
      for (int i = 0; i < 40; i++) {
        String path = "/kbs/v0/resource/sk/key/k" + i;
        if (i == 25) {
          p.destroyForcibly(); // SIGKILL while the client keeps writing
        }
        try {
          if (put(uri, a, path, ("v" + i).getBytes()).statusCode() == 200) {
            acknowledged.add("sk/key/k" + i);
          }
        } catch (java.io.IOException e) {
          // the broker is gone: this write was never acknowledged
        }
      }
    } finally {
      p.destroyForcibly();
      p.waitFor();
    }
    assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(20);
    String vkey = Files.readString(dir.resolve("audit.vkey")).strip();
    assertThat(LedgerVerifier.verifyDatabase(dev.cloister.ledger.SqlDatabase.sqlite(dir.resolve("broker.db")), vkey, Optional.empty()).entries()).isGreaterThanOrEqualTo(acknowledged.size());
    try (Broker b = Broker.start(Broker.Options.loopback(dir, 0))) {
      JsonNode names = JSON.readTree(get(b.uri(), a, "/kbs/v0/resources").body()).get("resources");
      List<String> stored = new ArrayList<>();
      names.forEach(n -> stored.add(n.asText()));
      assertThat(stored).containsAll(acknowledged);
      // No change without its entry (issue 13 item 2): each stored resource, acknowledged or not, has its resource.put.
      String entries = get(b.uri(), a, "/kbs/v0/audit/entries").body();
      assertThat(stored).allSatisfy(name -> assertThat(entries).contains("\"action\":\"resource.put\",\"target\":\"" + name + "\""));
    }
  }

  @Test
  void rawReportEvidenceUsesTheBrokersKdsCache() throws Exception {
    // The raw form: base64 of the 1184-byte report, no certificates; the VCEK comes from the
    // broker's offline cache laid out like AMD KDS.
    Path cached = dataDir.resolve("kds-cache/vcek/v1/Milan/" + platform.chipId().hex() + "?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115");
    Files.createDirectories(cached.getParent());
    Files.write(cached, platform.vcek().getEncoded());
    EvidenceSource raw = reportData -> new com.fasterxml.jackson.databind.node.TextNode(java.util.Base64.getEncoder().encodeToString(
        platform.report(SimulatedSnpPlatform.ReportRequest.builder().reportData(Octets.copyOf(reportData))
            .measurement(Octets.fromHex(MEASUREMENT)).hostData(Octets.fromHex(HOST_DATA)).build()).toByteArray()));
    KbsClient c = new KbsClient(broker.uri());
    c.attest(raw);
    assertThat(c.resource("hospital-a/key/dataset")).isEqualTo(SECRET);
  }

  @Test
  void auditLogIsReadableAndVerifiableOverHttp() throws Exception {
    new KbsClient(broker.uri()).attest(simulated(false, MEASUREMENT));
    String vkey = get(broker.uri(), admin, "/kbs/v0/audit/vkey").body().strip();
    assertThat(vkey).isEqualTo(Files.readString(dataDir.resolve("audit.vkey")).strip());
    List<byte[]> entries = new ArrayList<>();
    get(broker.uri(), admin, "/kbs/v0/audit/entries").body().lines().forEach(l -> entries.add(l.getBytes(StandardCharsets.UTF_8)));
    List<String> notes = List.of(get(broker.uri(), admin, "/kbs/v0/audit/checkpoints").body().split("\f"));
    var key = dev.cloister.ledger.Checkpoint.parseVerifierKey(vkey);
    assertThat(LedgerVerifier.verify(entries, notes, key.getKey(), key.getValue()).entries()).isEqualTo(entries.size());
    assertThat(get(broker.uri(), admin, "/kbs/v0/audit/export?format=ocsf").body()).contains("\"class_uid\":3002");
    assertThat(get(broker.uri(), "", "/kbs/v0/audit/entries").statusCode()).isEqualTo(401);
  }

  @Test
  void releasePoliciesCanRequireASignedReferenceValue() throws Exception {
    var pipeline = new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256).keyID("ci-pipeline").generate();
    var untrusted = new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256).keyID("mallory").generate();
    var now = java.time.Instant.now();
    var rv = new dev.cloister.attestation.refvalue.ReferenceValue("approved-image", "7", "sev-snp", MEASUREMENT, now.minusSeconds(60),
        Optional.of(now.plusSeconds(3600)));
    // Unsigned and untrusted values are refused, and logged.
    assertThat(put(broker.uri(), admin, "/kbs/v0/reference-value", ("{\"name\":\"approved-image\",\"measurement\":\"" + MEASUREMENT + "\"}").getBytes())
        .statusCode()).isEqualTo(403);
    assertThat(put(broker.uri(), admin, "/kbs/v0/reference-value",
        dev.cloister.attestation.refvalue.SignedReferenceValues.sign(rv, untrusted).getBytes()).statusCode()).isEqualTo(403);
    assertThat(put(broker.uri(), admin, "/kbs/v0/reference-value-keys", pipeline.toPublicJWK().toJSONString().getBytes()).statusCode()).isEqualTo(200);
    assertThat(put(broker.uri(), admin, "/kbs/v0/reference-value",
        dev.cloister.attestation.refvalue.SignedReferenceValues.sign(rv, pipeline).getBytes()).statusCode()).isEqualTo(200);
    assertThat(get(broker.uri(), admin, "/kbs/v0/reference-values").body()).contains("approved-image").contains(MEASUREMENT);

    assertThat(put(broker.uri(), admin, "/kbs/v0/resource/hospital-c/key/dataset", SECRET).statusCode()).isEqualTo(200);
    String policy = "status == 'affirming' && claims.platform in ['hardware', 'simulated'] && claims.measurement in reference_values['approved-image']"
        + " && claims.host_data == '" + HOST_DATA + "'";
    assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(broker.uri().resolve("/kbs/v0/resource-policy/hospital-c"))
        .header("Authorization", "Bearer " + admin).PUT(HttpRequest.BodyPublishers.ofString(policy)).build(), HttpResponse.BodyHandlers.ofString())
        .statusCode()).isEqualTo(200);
    KbsClient approved = new KbsClient(broker.uri());
    approved.attest(simulated(false, MEASUREMENT));
    assertThat(approved.resource("hospital-c/key/dataset")).isEqualTo(SECRET);
    KbsClient other = new KbsClient(broker.uri());
    other.attest(simulated(false, "ee".repeat(48)));
    assertThatThrownBy(() -> other.resource("hospital-c/key/dataset"))
        .isInstanceOfSatisfying(KbsClient.KbsRefusedException.class, e -> assertThat(e.status()).isEqualTo(403));
    assertThat(get(broker.uri(), admin, "/kbs/v0/audit/entries").body()).contains("reference_value.refused").contains("pipeline_key.trust");
  }
}
