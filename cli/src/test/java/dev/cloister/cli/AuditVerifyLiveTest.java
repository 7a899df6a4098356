package dev.cloister.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloister.broker.admin.AdminClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 4: {@code audit verify} of a live broker, over HTTP and on its data directory,
 * while writers append as fast as they can, says INTACT every time (it read entries and
 * checkpoints in two steps, and an append between them looked like tampering).
 */
class AuditVerifyLiveTest {
  @Test
  void aLiveVerifyDuringABurstOfAppendsIsIntactEveryTime(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("b");
    assertThat(CliRunner.run("broker", "init", "--data-dir", dir.toString()).exit()).isZero();
    String vkey = Files.readString(dir.resolve("audit.vkey")).strip();
    String token = dir.resolve("admin.token").toString();
    try (var b = dev.cloister.broker.Broker.start(dev.cloister.broker.Broker.Options.loopback(dir, 0))) {
      AdminClient admin = new AdminClient(b.uri(), Files.readString(dir.resolve("admin.token")).strip());
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger written = new AtomicInteger();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        writers.add(Thread.ofPlatform().start(() -> {
          try {
            for (int i = 0; i < 300 && !stop.get(); i++) {
              admin.putResource("live" + id + "/key/" + i, "secret".getBytes(StandardCharsets.UTF_8));
              written.incrementAndGet();
            }
          } catch (Throwable e) {
            failed.set(e);
          }
        }));
      }
      int rounds = 0;
      try {
        for (; rounds < 10 && writers.stream().anyMatch(Thread::isAlive); rounds++) {
          int before = written.get();
          CliRunner http = CliRunner.run("audit", "verify", "--url", b.uri().toString(), "--admin-token", token, "--vkey", vkey);
          assertThat(http.exit()).as(http.out() + http.err()).isZero();
          assertThat(http.out()).startsWith("INTACT");
          CliRunner local = CliRunner.run("audit", "verify", "--data-dir", dir.toString());
          assertThat(local.exit()).as(local.out() + local.err()).isZero();
          assertThat(local.out()).startsWith("INTACT");
          assertThat(written.get()).as("appends went on during round " + rounds).isGreaterThan(before);
        }
      } finally {
        stop.set(true);
        for (Thread w : writers) {
          w.join();
        }
      }
      assertThat(failed.get()).isNull();
      assertThat(rounds).isGreaterThanOrEqualTo(3);
    }
    CliRunner after = CliRunner.run("audit", "verify", "--data-dir", dir.toString(), "--json");
    assertThat(after.exit()).isZero();
  }
}
