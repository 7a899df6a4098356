package dev.cloister.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import dev.cloister.ledger.LedgerVerifier;
import dev.cloister.ledger.SqlDatabase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 items 6 and 7 against a broker in its own JVM (the JDK server's limits are read once per
 * process, so only a fresh process shows the broker's own: a request must arrive within 20 s). Slow-header and slow-body clients and a flood of {@code /auth} from one address do
 * not stop {@code /healthz} from answering or another address from opening a session; stalled
 * uploads are cut after the timeout; one address cannot hold more request bytes than its budget.
 * After each, the log verifies and every acknowledged change has its entry.
 */
class BrokerSlowClientTest {
  /** The broker's own default ({@code Broker.HTTP_SERVER_LIMITS}), which the child runs with. */
  static final int MAX_REQ_SECONDS = Integer.parseInt(Broker.HTTP_SERVER_LIMITS.get("sun.net.httpserver.maxReqTime"));

  /** A raw HTTP/1.1 exchange from a chosen local address; the status line, or "closed" when the server closed without answering. */
  static String exchange(InetAddress from, URI base, String request) throws IOException {
    try (Socket s = new Socket(base.getHost(), base.getPort(), from, 0)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  static long healthzMillis(URI base) throws IOException {
    long t0 = System.nanoTime();
    String r = exchange(InetAddress.getLoopbackAddress(), base, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 200");
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** A client that opened a request and then sends one byte every 200 ms; completes with the seconds until the server cut it, and what it answered. */
  record Slow(Socket socket, CompletableFuture<String> answer, long started) {}

  static Slow slow(URI base, String head) throws IOException {
    Socket s = new Socket(base.getHost(), base.getPort());
    s.setSoTimeout(60_000);
    OutputStream out = s.getOutputStream();
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    long started = System.nanoTime();
    CompletableFuture<String> answer = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        while (!answer.isDone()) {
          Thread.sleep(200);
          out.write('a');
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // the server cut us: the reader below reports it
      }
    });
    Thread.ofVirtual().start(() -> {
      try (InputStream in = s.getInputStream()) {
        byte[] got = in.readAllBytes();
        answer.complete(got.length == 0 ? "closed" : new String(got, 0, Math.min(got.length, 12), StandardCharsets.ISO_8859_1));
      } catch (IOException e) {
        answer.complete("closed");
      }
    });
    return new Slow(s, answer, started);
  }

  @Test
  void slowClientsAreCutAfterTheTimeoutAndAFloodOfAuthLocksNoOneOut(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("broker");
    String admin = Files.readString(BrokerInit.init(data, Clock.systemUTC())).strip();
    SimulatedSnpPlatform.openOrCreate(tmp.resolve("platform"), Clock.systemUTC());
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), BrokerProcessMain.class.getName(), data.toString(), tmp.resolve("platform").toString())
        .redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.startsWith("PORT ")) {
        // wait until the child serves
      }
      assertThat(line).startsWith("PORT ");
      Thread.ofVirtual().start(() -> out.lines().forEach(l -> { })); // keep the child's output drained
      URI base = URI.create("http://127.0.0.1:" + line.substring(5).strip());

      List<Slow> headers = new ArrayList<>();
      List<Slow> bodies = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        headers.add(slow(base, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "));
      }
      for (int i = 0; i < 20; i++) {
        bodies.add(slow(base, "POST /kbs/v0/attest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + (4 << 20) + "\r\n\r\n{"));
      }
      // While they are held, health answers at once, again and again.
      for (int i = 0; i < 5; i++) {
        assertThat(healthzMillis(base)).isLessThan(2000);
        Thread.sleep(300);
      }
      // 4 MiB declared each: eight fit in one address's 32 MiB; the rest are refused at once, before their bodies.
      List<String> answers = new ArrayList<>();
      for (Slow s : bodies) {
        answers.add(s.answer().get(MAX_REQ_SECONDS + 10, TimeUnit.SECONDS));
      }
      assertThat(answers.stream().filter(a -> a.startsWith("HTTP/1.1 429"))).hasSize(12);
      assertThat(answers.stream().filter(a -> a.equals("closed"))).hasSize(8);
      for (Slow s : headers) {
        assertThat(s.answer().get(MAX_REQ_SECONDS + 10, TimeUnit.SECONDS)).isEqualTo("closed");
        long held = (System.nanoTime() - s.started()) / 1_000_000_000L;
        assertThat(held).isLessThan(MAX_REQ_SECONDS + 10);
        s.socket().close();
      }
      bodies.forEach(s -> {
        try {
          s.socket().close();
        } catch (IOException e) {
          // already closed by the server
        }
      });

      // A flood of /auth from 127.0.0.1 (bounded) while another address, 127.0.0.2, still gets its session.
      String authBody = "{\"version\":\"0.4.0\",\"tee\":\"snp\",\"extra-params\":\"\"}";
      String auth = "POST /kbs/v0/auth HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: "
          + authBody.length() + "\r\n\r\n" + authBody;
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
        List<java.util.concurrent.Future<Integer>> flood = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
          flood.add(pool.submit(() -> http.send(java.net.http.HttpRequest.newBuilder(base.resolve("/kbs/v0/auth"))
              .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"version\":\"0.4.0\",\"tee\":\"snp\",\"extra-params\":\"\"}")).build(),
              java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()));
        }
        for (var f : flood) {
          assertThat(f.get()).isEqualTo(200);
        }
      }
      String metrics = http.send(java.net.http.HttpRequest.newBuilder(base.resolve("/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      double open = metrics.lines().filter(l -> l.startsWith("kbs_sessions_open ")).mapToDouble(l -> Double.parseDouble(l.substring(18))).findFirst().orElseThrow();
      assertThat(open).isLessThanOrEqualTo(256);
      String second = exchange(InetAddress.getByName("127.0.0.2"), base, auth);
      assertThat(second).startsWith("HTTP/1.1 200").contains("Set-cookie: kbs-session-id=").contains("\"nonce\"");

      // The broker serves, writes land with their entries, and the log verifies.
      assertThat(BrokerFullDiskTest.send(base, admin, "POST", "/kbs/v0/resource/slow/key/after", "secret").statusCode()).isEqualTo(200);
      assertThat(healthzMillis(base)).isLessThan(2000);
    } finally {
      p.destroyForcibly();
      p.waitFor();
    }
    String vkey = Files.readString(data.resolve("audit.vkey")).strip();
    SqlDatabase db = SqlDatabase.sqlite(data.resolve("broker.db"));
    assertThat(LedgerVerifier.verifyDatabase(db, vkey, Optional.empty()).entries())
        .isEqualTo(BrokerFullDiskTest.scalar(data.resolve("broker.db"), "SELECT COUNT(*) FROM ledger_entries"));
    assertThat(BrokerFullDiskTest.scalar(data.resolve("broker.db"), "SELECT COUNT(*) FROM ledger_entries WHERE CAST(body AS TEXT) LIKE '%slow/key/after%'")).isEqualTo(1);
  }
}
