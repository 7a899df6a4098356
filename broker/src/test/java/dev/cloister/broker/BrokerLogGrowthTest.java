package dev.cloister.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.evidence.SnpEvidenceCodec;
import dev.cloister.enclave.kbs.KbsClient;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import dev.cloister.ledger.AuditFields;
import dev.cloister.ledger.LedgerVerifier;
import dev.cloister.ledger.SqlDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 items 3 and 10, with the fault suite's checks after each (the log verifies as
 * {@code audit verify} checks it, every acknowledged change has its entry, the broker serves): an
 * entry stays small whatever a client sends; refusals before authentication are counted per
 * source and minute, not logged one by one; the audit routes page; an internal error reaches the
 * operator's log with the id its problem+json carries.
 */
class BrokerLogGrowthTest {
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static HttpResponse<String> send(URI base, String bearer, String method, String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Every entry, paged as an auditor would. */
  static List<String> entries(URI base, String admin) throws Exception {
    List<String> out = new ArrayList<>();
    long from = 0;
    while (true) {
      HttpResponse<String> r = send(base, admin, "GET", "/kbs/v0/audit/entries?from=" + from + "&limit=250", null);
      assertThat(r.statusCode()).isEqualTo(200);
      r.body().lines().forEach(out::add);
      Optional<String> next = r.headers().firstValue("Cloister-Next-From");
      if (next.isEmpty()) {
        return out;
      }
      from = Long.parseLong(next.get());
    }
  }

  static void intactAndServing(Path data, URI base) throws Exception {
    String vkey = Files.readString(data.resolve("audit.vkey")).strip();
    assertThat(LedgerVerifier.verifyDatabase(SqlDatabase.sqlite(data.resolve("broker.db")), vkey, Optional.empty()).entries())
        .isEqualTo(BrokerFullDiskTest.scalar(data.resolve("broker.db"), "SELECT COUNT(*) FROM ledger_entries"));
    assertThat(send(base, null, "GET", "/healthz", null).statusCode()).isEqualTo(200);
  }

  @Test
  void aThreeMegabyteCertTypeAndALongPathLeaveOnlyBoundedEntries(@TempDir Path tmp) throws Exception {
    SimulatedSnpPlatform platform = SimulatedSnpPlatform.openOrCreate(tmp.resolve("platform"), Clock.systemUTC());
    Path data = tmp.resolve("broker");
    String admin = Files.readString(BrokerInit.init(data, Clock.systemUTC())).strip();
    try (Broker b = Broker.start(Broker.Options.loopback(data, 0).withSimulation(List.of(platform.trustAnchor())))) {
      HttpClient session = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
      HttpResponse<String> auth = session.send(HttpRequest.newBuilder(b.uri().resolve("/kbs/v0/auth"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"version\":\"0.4.0\",\"tee\":\"snp\",\"extra-params\":\"\"}")).build(), HttpResponse.BodyHandlers.ofString());
      String nonce = BrokerEndToEndTest.JSON.readTree(auth.body()).get("nonce").asText();
      JsonNode teePubkey = new KbsClient(b.uri()).teePubkey();
      byte[] reportData = dev.cloister.attestation.binding.RuntimeDataBinding.reportData(nonce, teePubkey, "", 64);
      ObjectNode evidence = (ObjectNode) BrokerEndToEndTest.JSON.readTree(SnpEvidenceCodec.encodeTrusteeJson(
          platform.report(SimulatedSnpPlatform.ReportRequest.builder().reportData(Octets.copyOf(reportData)).build()), platform.vcek(), platform.chain()));
      String certType = "V".repeat(3_000_000);
      ((ObjectNode) evidence.get("cert_chain").get(0)).put("cert_type", certType);
      ObjectNode attest = BrokerEndToEndTest.JSON.createObjectNode();
      attest.putObject("runtime-data").put("nonce", nonce).set("tee-pubkey", teePubkey);
      attest.putObject("tee-evidence").put("additional_evidence", "").set("primary_evidence", evidence);
      HttpResponse<String> refused = session.send(HttpRequest.newBuilder(b.uri().resolve("/kbs/v0/attest"))
          .POST(HttpRequest.BodyPublishers.ofString(BrokerEndToEndTest.JSON.writeValueAsString(attest))).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(401);
      String verdict = entries(b.uri(), admin).stream().filter(l -> l.contains("\"attestation_verdict\"")).reduce((x, y) -> y).orElseThrow();
      assertThat(verdict).contains("unknown certificate type 'VVVV").contains("...[truncated: ").contains(" bytes, sha256:");
      assertThat(verdict.length()).isLessThan(2048);

      // A 40 KB path on an admin route without the credential: counted, never written out.
      String longPath = "/kbs/v0/resource/" + "p/".repeat(20_000) + "x";
      assertThat(send(b.uri(), "not-the-admin", "POST", longPath, "s").statusCode()).isEqualTo(401);
      // With the credential, the refusal's text is bounded too where it is logged.
      assertThat(send(b.uri(), admin, "POST", "/kbs/v0/reference-value", "{\"x\":\"" + "r".repeat(50_000) + "\"}").statusCode()).isEqualTo(403);
      b.flushAnonymousRefusals();
      List<String> all = entries(b.uri(), admin);
      assertThat(all).allSatisfy(l -> assertThat(l.length()).isLessThan(2 * AuditFields.MAX_CHARS + 1024));
      assertThat(String.join("\n", all)).doesNotContain("p/p/p/p/p/p/p/p/p/p/").contains("\"resource_put 401 admin-unauthorized\":1");
      intactAndServing(data, b.uri());
    }
  }

  @Test
  void eightHundredRefusedAnonymousRequestsMakeAHandfulOfEntriesAndCountOnMetrics(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("broker");
    String admin = Files.readString(BrokerInit.init(data, Clock.systemUTC())).strip();
    try (Broker b = Broker.start(Broker.Options.loopback(data, 0))) {
      assertThat(send(b.uri(), admin, "POST", "/kbs/v0/resource/r/key/one", "secret").statusCode()).isEqualTo(200);
      long entriesBefore = entries(b.uri(), admin).size();
      long bytesBefore = BrokerFullDiskTest.scalar(data.resolve("broker.db"), "SELECT SUM(LENGTH(body)) FROM ledger_entries");
      List<Future<Integer>> calls = new ArrayList<>();
      try (var pool = Executors.newFixedThreadPool(8)) {
        for (int i = 0; i < 800; i++) {
          int kind = i % 4;
          calls.add(pool.submit(() -> switch (kind) {
            case 0 -> send(b.uri(), "wrong", "GET", "/kbs/v0/resources", null).statusCode();
            case 1 -> send(b.uri(), null, "GET", "/kbs/v0/resource/r/key/one", null, "Cookie", "kbs-session-id=" + "c".repeat(2000)).statusCode();
            case 2 -> send(b.uri(), null, "POST", "/kbs/v0/attest", "{}").statusCode();
            default -> send(b.uri(), null, "POST", "/kbs/v0/auth", "{\"version\":\"0.4.0\",\"tee\":\"" + "t".repeat(3000) + "\"}").statusCode();
          }));
        }
      }
      for (Future<Integer> f : calls) {
        assertThat(f.get()).isIn(400, 401);
      }
      String metrics = send(b.uri(), null, "GET", "/metrics", null).body();
      assertThat(metrics).contains("kbs_anonymous_refusals_total 800.0");
      b.flushAnonymousRefusals();
      List<String> after = entries(b.uri(), admin);
      List<String> added = after.subList((int) entriesBefore, after.size());
      // One per source and minute: a run that straddles a minute makes two.
      assertThat(added).hasSizeBetween(1, 2).allSatisfy(l -> assertThat(l).contains("\"type\":\"anonymous_refusals\"").contains("\"source\":\"127.0.0.1\""));
      long counted = 0;
      for (String l : added) {
        counted += BrokerEndToEndTest.JSON.readTree(l).get("fields").get("count").asLong();
      }
      assertThat(counted).isEqualTo(800);
      assertThat(String.join("", added)).contains("\"resources 401 admin-unauthorized\"").contains("\"resource_get 401 session-unknown\"")
          .contains("\"attest 401 session-missing\"").contains("\"auth 401 tee-unsupported\"");
      long bytes = BrokerFullDiskTest.scalar(data.resolve("broker.db"), "SELECT SUM(LENGTH(body)) FROM ledger_entries") - bytesBefore;
      assertThat(bytes).isLessThan(2048);
      intactAndServing(data, b.uri());
    }
  }

  @Test
  void theAuditRoutesPageAndReturnEveryEntryExactlyOnce(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("broker");
    String admin = Files.readString(BrokerInit.init(data, Clock.systemUTC())).strip();
    int filled = 1100;
    try (var store = dev.cloister.broker.store.BrokerStore.open(dev.cloister.broker.store.BrokerStore.database(data),
        dev.cloister.broker.store.MasterKey.load(data), Clock.systemUTC());
        BrokerAudit audit = BrokerAudit.open(dev.cloister.broker.store.BrokerStore.database(data), store, Clock.systemUTC(), false)) {
      for (int i = 0; i < filled; i++) {
        audit.adminChange("test.fill", "entry " + i);
      }
    }
    try (Broker b = Broker.start(Broker.Options.loopback(data, 0))) {
      long size = BrokerFullDiskTest.scalar(data.resolve("broker.db"), "SELECT COUNT(*) FROM ledger_entries");
      assertThat(size).isGreaterThan(filled);
      HttpResponse<String> first = send(b.uri(), admin, "GET", "/kbs/v0/audit/entries", null);
      assertThat(first.body().lines().count()).isEqualTo(BrokerAudit.DEFAULT_PAGE);
      assertThat(first.headers().firstValue("Cloister-Next-From")).contains("1000");
      assertThat(send(b.uri(), admin, "GET", "/kbs/v0/audit/entries?limit=10001", null).statusCode()).isEqualTo(400);
      assertThat(send(b.uri(), admin, "GET", "/kbs/v0/audit/export?format=ocsf", null).body().lines().count()).isEqualTo(BrokerAudit.DEFAULT_PAGE);

      List<String> paged = new ArrayList<>();
      long from = 0;
      int pages = 0;
      String next;
      do {
        HttpResponse<String> r = send(b.uri(), admin, "GET", "/kbs/v0/audit/entries?from=" + from + "&limit=333&to=" + size, null);
        r.body().lines().forEach(paged::add);
        pages++;
        next = r.headers().firstValue("Cloister-Next-From").orElse(null);
        if (next != null) {
          from = Long.parseLong(next);
        }
      } while (next != null);
      assertThat(pages).isEqualTo((int) ((size + 332) / 333));
      assertThat(paged).hasSize((int) size);
      Set<Long> indices = new HashSet<>();
      for (int i = 0; i < paged.size(); i++) {
        long index = BrokerEndToEndTest.JSON.readTree(paged.get(i)).get("index").asLong();
        assertThat(index).isEqualTo(i);
        indices.add(index);
      }
      assertThat(indices).hasSize((int) size);
      List<String> notes = new ArrayList<>();
      for (long f = 0; f < size; f += 400) {
        String body = send(b.uri(), admin, "GET", "/kbs/v0/audit/checkpoints?from=" + f + "&limit=400&to=" + size, null).body();
        notes.addAll(List.of(body.split("\f")));
      }
      List<byte[]> raw = paged.stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList();
      var vkey = dev.cloister.ledger.Checkpoint.parseVerifierKey(Files.readString(data.resolve("audit.vkey")).strip());
      assertThat(LedgerVerifier.verify(raw, notes, vkey.getKey(), vkey.getValue()).entries()).isEqualTo(size);
      intactAndServing(data, b.uri());
    }
  }

  @Test
  void anInternalErrorReachesTheOperatorsLogWithTheIdItsAnswerCarries(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("broker");
    String admin = Files.readString(BrokerInit.init(data, Clock.systemUTC())).strip();
    try (Broker b = Broker.start(Broker.Options.loopback(data, 0))) {
      assertThat(send(b.uri(), admin, "POST", "/kbs/v0/resource/r/key/one", "secret").statusCode()).isEqualTo(200);
      // The operator's mistake the broker cannot survive gracefully: a table gone under it.
      BrokerFullDiskTest.sql(data.resolve("broker.db"), "ALTER TABLE broker_resources RENAME TO broker_resources_moved");
      PrintStream stderr = System.err;
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      HttpResponse<String> r;
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        r = send(b.uri(), admin, "GET", "/kbs/v0/resources", null);
      } finally {
        System.setErr(stderr);
      }
      assertThat(r.statusCode()).isEqualTo(500);
      JsonNode problem = BrokerEndToEndTest.JSON.readTree(r.body());
      String id = problem.get("correlation_id").asText();
      assertThat(id).matches("[0-9a-f]{16}");
      assertThat(problem.get("instance").asText()).isEqualTo("urn:cloister:error:" + id);
      assertThat(problem.get("detail").asText()).isEqualTo("internal error " + id + ": the broker's operator log names it by this id");
      String log = captured.toString(StandardCharsets.UTF_8);
      assertThat(log).contains("cloister broker: internal error " + id + " on GET resources: ").contains("broker_resources").doesNotContain(admin);
      BrokerFullDiskTest.sql(data.resolve("broker.db"), "ALTER TABLE broker_resources_moved RENAME TO broker_resources");
      assertThat(send(b.uri(), admin, "GET", "/kbs/v0/resources", null).body()).contains("r/key/one");
      intactAndServing(data, b.uri());
    }
  }
}
