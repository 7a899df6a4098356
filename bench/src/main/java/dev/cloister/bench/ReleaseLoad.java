package dev.cloister.bench;

import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.crypto.ECDHDecrypter;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.snp.appraise.SnpAppraisalOptions;
import dev.cloister.attestation.snp.appraise.SnpAppraiser;
import dev.cloister.attestation.snp.verify.SnpEvidence;
import dev.cloister.attestation.snp.verify.SnpVerifier;
import dev.cloister.attestation.snp.verify.VerifyOptions;
import dev.cloister.broker.Broker;
import dev.cloister.broker.BrokerInit;
import dev.cloister.broker.release.SecretWrapper;
import dev.cloister.broker.token.EarTokens;
import dev.cloister.enclave.Platform;
import dev.cloister.enclave.kbs.KbsClient;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Key release under load: one broker on loopback (simulated platform allowed), clients on virtual
 * threads each running whole RCAR sessions (auth, attest, resource: a fresh TEE key and fresh
 * evidence every time, as a job does), at several concurrencies. Beside it, the crypto floor: the
 * same evidence signing, report verification, token signing and checking and key wrapping, done
 * in-process by the same classes with no HTTP, JSON plumbing or storage.
 */
final class ReleaseLoad {
  private static final String RESOURCE = "bench/key/one";

  private ReleaseLoad() {}

  static Map<String, Object> run(Map<String, String> opts) throws Exception {
    int[] clients = Harness.ints(opts.getOrDefault("clients", "1,16,64"));
    int flood = Integer.parseInt(opts.getOrDefault("flood", "20000"));
    double seconds = Double.parseDouble(opts.getOrDefault("seconds", "8"));
    Path work = Files.createTempDirectory("cloister-bench-release");
    SimulatedSnpPlatform platform = SimulatedSnpPlatform.openOrCreate(work.resolve("platform"), Clock.systemUTC());
    Path adminFile = BrokerInit.init(work.resolve("broker"), Clock.systemUTC());
    String admin = Files.readString(adminFile).strip();
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> audit = new LinkedHashMap<>();
    byte[] secret = new byte[300]; // about the size of a dataset's Tink keyset
    new SecureRandom().nextBytes(secret);
    Platform tee = platform.launched(Octets.fromHex("cd".repeat(48)), Octets.fromHex("ef".repeat(32)));
    long logBefore;
    try (Broker broker = Broker.start(Broker.Options.loopback(work.resolve("broker"), 0).withSimulation(List.of(platform.trustAnchor())))) {
      URI uri = broker.uri();
      HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri.resolve("/kbs/v0/resource/" + RESOURCE))
          .header("Authorization", "Bearer " + admin).POST(HttpRequest.BodyPublishers.ofByteArray(secret)).build(), HttpResponse.BodyHandlers.ofString());
      if (put.statusCode() != 200) {
        throw new IllegalStateException("registering the resource: HTTP " + put.statusCode() + " " + put.body());
      }
      // The broker releases nothing that no policy pins: bind the key to the launched workload, as 'contract bind' would.
      String bound = "status == 'affirming' && claims.measurement == '" + "cd".repeat(48) + "' && claims.host_data == '" + "ef".repeat(32) + "'";
      HttpResponse<String> policy = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri.resolve("/kbs/v0/resource-policy/" + RESOURCE))
          .header("Authorization", "Bearer " + admin).PUT(HttpRequest.BodyPublishers.ofString(bound)).build(), HttpResponse.BodyHandlers.ofString());
      if (policy.statusCode() != 200) {
        throw new IllegalStateException("binding the resource: HTTP " + policy.statusCode() + " " + policy.body());
      }
      Harness.say("release: warming up (" + uri + ")");
      load(uri, tee, secret, 4, Math.min(seconds, 4));
      List<Map<String, Object>> levels = new ArrayList<>();
      logBefore = logBytes(work.resolve("broker"));
      long releases = 0;
      for (int c : clients) {
        Map<String, Object> r = load(uri, tee, secret, c, seconds);
        Harness.say("release: " + c + " clients: " + r);
        levels.add(r);
        releases += ((Number) r.get("releases")).longValue() + ((Number) r.get("errors")).longValue();
      }
      out.put("levels", levels);
      audit.put("releases", releases);
      audit.put("bytes_per_release", releases == 0 ? null : Harness.round((logBytes(work.resolve("broker")) - logBefore) / (double) releases, 1));
      // Refused anonymous requests, then a flood of /auth from this one address (issue 13 items 3 and 7).
      logBefore = logBytes(work.resolve("broker"));
      audit.put("refused_requests", flood);
      audit.put("auth_flood", flood);
      HttpClient http = HttpClient.newHttpClient();
      try (ExecutorService ex = Executors.newFixedThreadPool(16)) {
        for (int i = 0; i < flood; i++) {
          int kind = i % 3;
          ex.submit(() -> http.send(switch (kind) {
            case 0 -> HttpRequest.newBuilder(uri.resolve("/kbs/v0/resources")).header("Authorization", "Bearer not-the-admin").build();
            case 1 -> HttpRequest.newBuilder(uri.resolve("/kbs/v0/resource/" + RESOURCE)).header("Cookie", "kbs-session-id=unknown").build();
            default -> HttpRequest.newBuilder(uri.resolve("/kbs/v0/attest")).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
          }, HttpResponse.BodyHandlers.discarding()));
          ex.submit(() -> http.send(HttpRequest.newBuilder(uri.resolve("/kbs/v0/auth"))
              .POST(HttpRequest.BodyPublishers.ofString("{\"version\":\"0.4.0\",\"tee\":\"snp\",\"extra-params\":\"\"}")).build(),
              HttpResponse.BodyHandlers.discarding()));
        }
      }
      System.gc();
      audit.put("heap_used_after_gc_mb_after_flood", Harness.round(java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1e6, 1));
      String metrics = http.send(HttpRequest.newBuilder(uri.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      audit.put("sessions_open_after_flood", metrics.lines().filter(l -> l.startsWith("kbs_sessions_open ")).map(l -> l.substring(18).strip()).findFirst().orElse(null));
    }
    // Closing the broker writes the counted refusals (one entry per source and minute).
    audit.put("bytes_per_refused_anonymous_request", Harness.round((logBytes(work.resolve("broker")) - logBefore) / (double) flood, 3));
    audit.put("rss_mb", Harness.round(rssKb() / 1e3, 1));
    out.put("audit", audit);
    Harness.say("release: crypto floor");
    out.put("floor", floor(platform, tee, secret, seconds));
    Harness.deleteTree(work);
    return out;
  }

  /** The audit log's stored bytes: every entry and every checkpoint note. */
  private static long logBytes(Path dataDir) throws java.sql.SQLException {
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:file:" + dataDir.resolve("broker.db") + "?mode=ro");
        var st = c.createStatement();
        var r = st.executeQuery("SELECT (SELECT COALESCE(SUM(LENGTH(body)), 0) FROM ledger_entries) + (SELECT COALESCE(SUM(LENGTH(CAST(note AS BLOB))), 0) FROM ledger_checkpoints)")) {
      r.next();
      return r.getLong(1);
    }
  }

  /** This process's resident set (the broker runs in it), from /proc. */
  private static long rssKb() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
      }
    } catch (java.io.IOException | NumberFormatException e) {
      // not Linux: reported as 0
    }
    return 0;
  }

  /** {@code clients} virtual threads, each releasing in a loop for {@code seconds}. */
  private static Map<String, Object> load(URI uri, Platform tee, byte[] secret, int clients, double seconds) throws Exception {
    ConcurrentLinkedQueue<long[]> lat = new ConcurrentLinkedQueue<>();
    AtomicInteger errors = new AtomicInteger();
    ConcurrentLinkedQueue<String> firstErrors = new ConcurrentLinkedQueue<>();
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < clients; i++) {
        ex.submit(() -> {
          long[] mine = new long[1 << 16];
          int n = 0;
          while (System.nanoTime() < end && n < mine.length) {
            long t0 = System.nanoTime();
            try {
              KbsClient kbs = new KbsClient(uri);
              kbs.attest(tee);
              byte[] got = kbs.resource(RESOURCE);
              if (!Arrays.equals(got, secret)) {
                throw new IllegalStateException("released the wrong bytes");
              }
              mine[n++] = System.nanoTime() - t0;
            } catch (Exception e) {
              if (errors.incrementAndGet() <= 3) {
                firstErrors.add(e.toString());
              }
            }
          }
          lat.add(Arrays.copyOf(mine, n));
          return null;
        });
      }
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long[] all = lat.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("clients", clients);
    r.put("releases", all.length);
    r.put("errors", errors.get());
    if (!firstErrors.isEmpty()) {
      r.put("first_errors", List.copyOf(firstErrors));
    }
    r.put("releases_per_s", Harness.round(all.length / elapsed, 1));
    r.put("p50_ms", all.length == 0 ? null : Harness.round(pct(all, 0.50) / 1e6, 3));
    r.put("p99_ms", all.length == 0 ? null : Harness.round(pct(all, 0.99) / 1e6, 3));
    return r;
  }

  static double pct(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
  }

  /**
   * The same cryptography per release, in-process, one thread: the TEE's session key, the report
   * signature (the PSP's work on hardware), report verification with the cached chain and
   * appraisal, the EAR token's signature and its check, the JWE wrap and the TEE's unwrap.
   */
  private static Map<String, Object> floor(SimulatedSnpPlatform platform, Platform tee, byte[] secret, double seconds) throws Exception {
    SnpVerifier verifier = new SnpVerifier(VerifyOptions.builder().addTrustAnchor(platform.trustAnchor()).build());
    SnpAppraisalOptions appraisal = SnpAppraisalOptions.defaults().toBuilder().allowSimulated(true).build();
    EarTokens tokens = new EarTokens(EarTokens.newSigningKey(), "http://127.0.0.1", Clock.systemUTC(), Duration.ofMinutes(5));
    Octets measurement = tee.identity().measurement();
    Octets hostData = tee.identity().hostData();
    byte[] reportData = new byte[64];
    long end = System.nanoTime() + (long) (Math.max(seconds, 2) * 1e9);
    List<Long> times = new ArrayList<>();
    int warm = 200;
    // At least 50 timed rounds after the warm-up: on a loaded machine the warm-up alone can outlast
    // the time budget, and a floor of no samples is no floor.
    while (System.nanoTime() < end || warm > 0 || times.size() < 50) {
      long t0 = System.nanoTime();
      ECKey teeKey = new ECKeyGenerator(Curve.P_256).algorithm(JWEAlgorithm.ECDH_ES_A256KW).generate();
      SnpReport report = platform.report(SimulatedSnpPlatform.ReportRequest.builder().measurement(measurement).hostData(hostData)
          .reportData(Octets.copyOf(reportData)).build());
      AttestationResult result = SnpAppraiser.appraise(verifier.verify(SnpEvidence.of(report, platform.vcek())),
          appraisal.toBuilder().reportData(Octets.copyOf(reportData)).build());
      if (result.status() != TrustTier.AFFIRMING) {
        throw new IllegalStateException("floor: appraisal is " + result.status());
      }
      String token = tokens.issue(new EarTokens.Appraisal(result.status(), "cloister:snp-default", result.claims(),
          teeKey.toPublicJWK().toJSONObject(), "nonce", true));
      JWTClaimsSet claims = tokens.verify(token);
      JWK wrapTo = SecretWrapper.teeKey(claims.getJSONObjectClaim("tee-pubkey"));
      Map<String, String> jwe = SecretWrapper.wrap(secret, wrapTo);
      JWEObject o = JWEObject.parse(String.join(".", jwe.get("protected"), jwe.get("encrypted_key"), jwe.get("iv"), jwe.get("ciphertext"), jwe.get("tag")));
      o.decrypt(new ECDHDecrypter(teeKey));
      if (!Arrays.equals(o.getPayload().toBytes(), secret)) {
        throw new IllegalStateException("floor: wrong bytes");
      }
      long t = System.nanoTime() - t0;
      if (warm > 0) {
        warm--;
      } else {
        times.add(t);
      }
    }
    long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("operations", sorted.length);
    r.put("p50_ms", Harness.round(pct(sorted, 0.5) / 1e6, 3));
    r.put("per_s_one_thread", Harness.round(1e9 / pct(sorted, 0.5), 1));
    return r;
  }
}
