package dev.cloister.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloister.cleanroom.contract.PartyKeys;
import dev.cloister.cleanroom.contract.SignedContract;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13 item 11: the CLI never destroys what it was given, and its exit codes say what happened. */
class CliFileSafetyTest {
  private static final String CSV = "age,readmitted\n61,1\n47,0\n";

  @Test
  void encryptRefusesAnOutputThatIsTheInputByAnyName(@TempDir Path tmp) throws Exception {
    Path in = Files.writeString(tmp.resolve("data.csv"), CSV);
    Path symlink = Files.createSymbolicLink(tmp.resolve("link.csv"), in);
    Path hardLink = Files.createLink(tmp.resolve("hard.csv"), in);
    Path dotted = tmp.resolve(".").resolve("data.csv");
    for (Path out : List.of(in, dotted, symlink, hardLink)) {
      CliRunner r = CliRunner.run("dataset", "encrypt", "--in", in.toString(), "--out", out.toString(), "--name", "d",
          "--key-out", tmp.resolve("k-" + out.getFileName()).toString());
      assertThat(r.exit()).as(out + ": " + r.err()).isEqualTo(2);
      assertThat(r.err()).isEqualTo("cloister: --out " + out + " is the input file " + in + ": refusing to overwrite it\n");
      assertThat(Files.readString(in)).as(out.toString()).isEqualTo(CSV);
    }
    assertThat(names(tmp)).containsExactlyInAnyOrder("data.csv", "link.csv", "hard.csv");
  }

  @Test
  void encryptLeavesNoCiphertextWhenTheBrokerIsUnreachable(@TempDir Path tmp) throws Exception {
    Path in = Files.writeString(tmp.resolve("data.csv"), CSV);
    Path token = Files.writeString(tmp.resolve("admin.token"), "not-used");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    String url = "http://127.0.0.1:" + port + "/";
    Path out = tmp.resolve("data.enc");
    CliRunner r = CliRunner.run("dataset", "encrypt", "--in", in.toString(), "--out", out.toString(), "--name", "d", "--broker", url,
        "--admin-token", token.toString(), "--key-out", tmp.resolve("d.key").toString());
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("cloister: cannot reach the broker at " + url + " (connection refused) while registering d/dataset/d; "
        + out + " was not written\n");
    assertThat(names(tmp)).containsExactlyInAnyOrder("data.csv", "admin.token"); // no ciphertext, no key, no temporary file
  }

  @Test
  void encryptLeavesNoCiphertextWhenTheBrokerRefusesTheKey(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("b");
    assertThat(CliRunner.run("broker", "init", "--data-dir", dir.toString()).exit()).isZero();
    Path in = Files.writeString(tmp.resolve("data.csv"), CSV);
    Path wrong = Files.writeString(tmp.resolve("wrong.token"), "not-the-admin-token");
    Path out = tmp.resolve("data.enc");
    try (var b = dev.cloister.broker.Broker.start(dev.cloister.broker.Broker.Options.loopback(dir, 0))) {
      CliRunner r = CliRunner.run("dataset", "encrypt", "--in", in.toString(), "--out", out.toString(), "--name", "d", "--broker",
          b.uri().toString(), "--admin-token", wrong.toString());
      assertThat(r.exit()).as(r.err()).isEqualTo(1);
      assertThat(r.err()).startsWith("cloister: registering d/dataset/d at " + b.uri() + ": HTTP 401").endsWith(out + " was not written\n");
      assertThat(out).doesNotExist();
      CliRunner ok = CliRunner.run("dataset", "encrypt", "--in", in.toString(), "--out", out.toString(), "--name", "d", "--broker",
          b.uri().toString(), "--admin-token", dir.resolve("admin.token").toString());
      assertThat(ok.exit()).as(ok.err()).isZero();
    }
    assertThat(names(tmp)).containsExactlyInAnyOrder("b", "data.csv", "wrong.token", "data.enc");
  }

  @Test
  void modelDecryptAndEvaluateRejectAWrongKeyOrAChangedFileWithExit1(@TempDir Path tmp) throws Exception {
    Path keys = tmp.resolve("keys");
    for (String p : List.of("a", "b")) {
      assertThat(CliRunner.run("contract", "keygen", "--keys", keys.toString(), "--party", p).exit()).isZero();
    }
    Path enc = Files.writeString(tmp.resolve("a.enc"), "ciphertext");
    Path contract = tmp.resolve("contract.json");
    CliRunner init = CliRunner.run("contract", "init", "--out", contract.toString(), "--name", "t", "--measurement", "ab".repeat(48),
        "--keys", keys.toString(), "--party", "a=http://127.0.0.1:1", "--party", "b=http://127.0.0.1:2", "--dataset", "a=d=" + enc);
    assertThat(init.exit()).as(init.err()).isZero();
    String digest = SignedContract.parse(Files.readAllBytes(contract)).contract().digestHex();
    byte[] sealed = PartyKeys.encrypterFor(PartyKeys.hpkePublicText(keys, "a"))
        .encrypt("{}".getBytes(StandardCharsets.UTF_8), ("cloister-output:" + digest).getBytes(StandardCharsets.US_ASCII));
    Path forA = Files.write(tmp.resolve("a.model.hpke"), sealed);
    sealed[sealed.length - 1] ^= 1;
    Path changed = Files.write(tmp.resolve("changed.model.hpke"), sealed);
    Path csv = Files.writeString(tmp.resolve("a.csv"), CSV);

    record Case(Path file, String party) {}
    for (Case c : List.of(new Case(forA, "b"), new Case(changed, "a"))) {
      String why = "cloister: " + c.file() + " does not open with " + c.party() + "'s key for contract " + digest + "\n";
      CliRunner dec = CliRunner.run("model", "decrypt", "--in", c.file().toString(), "--keys", keys.toString(), "--party", c.party(),
          "--contract", contract.toString(), "--out", tmp.resolve("model.bin").toString());
      assertThat(dec.exit()).as(dec.err()).isEqualTo(1);
      assertThat(dec.err()).isEqualTo(why);
      CliRunner ev = CliRunner.run("model", "evaluate", "--in", c.file().toString(), "--keys", keys.toString(), "--party", c.party(),
          "--contract", contract.toString(), "--data", csv.toString());
      assertThat(ev.exit()).as(ev.err()).isEqualTo(1);
      assertThat(ev.err()).isEqualTo(why);
    }
    assertThat(tmp.resolve("model.bin")).doesNotExist();
    // What the user mistyped stays a usage error.
    CliRunner noKey = CliRunner.run("model", "decrypt", "--in", forA.toString(), "--keys", keys.toString(), "--party", "c",
        "--contract", contract.toString(), "--out", tmp.resolve("model.bin").toString());
    assertThat(noKey.exit()).isEqualTo(2);
    assertThat(noKey.err()).isEqualTo("cloister: --keys " + keys + " holds no key for party 'c' (c.hpke.json)\n");
  }

  @Test
  void auditVerifyCallsAMalformedVerifierKeyBadInputNotTampered(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("b");
    assertThat(CliRunner.run("broker", "init", "--data-dir", dir.toString()).exit()).isZero();
    try (var b = dev.cloister.broker.Broker.start(dev.cloister.broker.Broker.Options.loopback(dir, 0))) {
      assertThat(b.uri().getPort()).isPositive(); // a log to verify
    }
    String vkey = Files.readString(dir.resolve("audit.vkey")).strip();
    for (String bad : List.of("not-a-key", vkey.replaceFirst("\\+[0-9a-f]{8}\\+", "+00000000+"))) {
      CliRunner r = CliRunner.run("audit", "verify", "--data-dir", dir.toString(), "--vkey", bad);
      assertThat(r.exit()).as(bad).isEqualTo(2);
      assertThat(r.out()).isEmpty();
      assertThat(r.err()).startsWith("cloister: --vkey: verifier key");
    }
    Files.writeString(dir.resolve("audit.vkey"), "garbage\n");
    CliRunner r = CliRunner.run("audit", "verify", "--data-dir", dir.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("cloister: " + dir.resolve("audit.vkey") + ": verifier key must be name+keyid+key\n");
    // A well-formed key of another broker is a verdict about this log: TAMPERED, exit 1.
    Path other = tmp.resolve("other");
    assertThat(CliRunner.run("broker", "init", "--data-dir", other.toString()).exit()).isZero();
    CliRunner foreign = CliRunner.run("audit", "verify", "--data-dir", dir.toString(), "--vkey", Files.readString(other.resolve("audit.vkey")));
    assertThat(foreign.exit()).as(foreign.err()).isEqualTo(1);
    assertThat(foreign.err()).isEmpty();
    assertThat(foreign.out()).startsWith("TAMPERED");
  }

  /**
   * On a read-only mount (a private mount namespace, so this works as root, where file modes are
   * ignored): SQLite cannot create the WAL index there, so the verifier must open the log as immutable.
   */
  @Test
  void auditVerifyReadsAReadOnlyDataDirectory(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("b");
    assertThat(CliRunner.run("broker", "init", "--data-dir", dir.toString()).exit()).isZero();
    try (var b = dev.cloister.broker.Broker.start(dev.cloister.broker.Broker.Options.loopback(dir, 0))) {
      assertThat(b.uri().getPort()).isPositive(); // start and stop append entries
    }
    List<String> before = names(dir);
    assertThat(before).doesNotContain("broker.db-wal", "broker.db-shm");
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process p = new ProcessBuilder("unshare", "-rm", "sh", "-c", "mount --bind -o ro \"$1\" \"$1\" || exit 98; touch \"$1/probe\" 2>/dev/null && exit 99;"
        + " exec \"$2\" --enable-native-access=ALL-UNNAMED -cp \"$3\" dev.cloister.cli.Main audit verify --data-dir \"$1\"",
        "sh", dir.toString(), java, System.getProperty("java.class.path")).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("unshare/mount must work here (util-linux, user namespaces); a writable mount is no test: " + output)
        .isNotIn(98, 99);
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output).contains("INTACT  ");
    assertThat(names(dir)).isEqualTo(before);
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }
}
