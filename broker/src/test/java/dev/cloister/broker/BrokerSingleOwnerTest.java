package dev.cloister.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.broker.store.DataDirectoryInUseException;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 5: one broker per data directory. A second start on a served directory refuses in
 * one line naming the holder's pid, whether the holder is another process or this one; the lock
 * dies with its holder, so a broker killed with SIGKILL never blocks the next start.
 */
class BrokerSingleOwnerTest {
  @Test
  void aSecondBrokerInThisProcessRefusesUntilTheFirstCloses(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("broker");
    BrokerInit.init(dir, Clock.systemUTC());
    try (Broker first = Broker.start(Broker.Options.loopback(dir, 0))) {
      assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(dir, 0)))
          .isInstanceOf(DataDirectoryInUseException.class)
          .hasMessage("another broker (pid " + ProcessHandle.current().pid() + ") already serves " + dir
              + "; one broker per data directory: stop it first");
      assertThat(first.uri()).isNotNull();
    }
    try (Broker again = Broker.start(Broker.Options.loopback(dir, 0))) {
      assertThat(again.uri()).isNotNull();
    }
  }

  @Test
  void aBrokerInAnotherProcessIsNamedAndItsSigkillFreesTheDirectory(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("broker");
    BrokerInit.init(dir, Clock.systemUTC());
    SimulatedSnpPlatform.openOrCreate(tmp.resolve("platform"), Clock.systemUTC());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        BrokerProcessMain.class.getName(), dir.toString(), tmp.resolve("platform").toString()).redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.startsWith("PORT ")) {
        // wait until the child serves
      }
      assertThat(line).startsWith("PORT ");
      assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(dir, 0)))
          .isInstanceOf(DataDirectoryInUseException.class)
          .hasMessage("another broker (pid " + p.pid() + ") already serves " + dir + "; one broker per data directory: stop it first");
    } finally {
      p.destroyForcibly();
      p.waitFor();
    }
    assertThat(Files.readString(dir.resolve("broker.lock")).strip()).isEqualTo(Long.toString(p.pid()));
    try (Broker after = Broker.start(Broker.Options.loopback(dir, 0))) {
      assertThat(Files.readString(dir.resolve("broker.lock")).strip()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
    }
  }
}
