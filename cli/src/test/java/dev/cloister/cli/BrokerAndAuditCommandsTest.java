package dev.cloister.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerAndAuditCommandsTest {
  @Test
  void initRefusesToOverwriteAndServeRefusesPlainHttpOffLoopback(@TempDir Path tmp) {
    Path dir = tmp.resolve("b");
    CliRunner init = CliRunner.run("broker", "init", "--data-dir", dir.toString());
    assertThat(init.exit()).as(init.err()).isZero();
    assertThat(init.out()).contains("admin.token").contains("cloister-broker/");
    assertThat(dir.resolve("admin.token")).exists();
    assertThat(CliRunner.run("broker", "init", "--data-dir", dir.toString()).exit()).isEqualTo(1);
    CliRunner serve = CliRunner.run("broker", "serve", "--data-dir", dir.toString(), "--port", "0", "--bind", "0.0.0.0");
    assertThat(serve.exit()).isEqualTo(2);
    assertThat(serve.err()).contains("only on loopback");
    assertThat(CliRunner.run("broker", "serve", "--data-dir", tmp.resolve("none").toString(), "--port", "0").exit()).isEqualTo(2);
  }

  @Test
  void serveReadsItsAppraisalPoliciesAtStartAndNamesWhatIsWrong(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("b");
    assertThat(CliRunner.run("broker", "init", "--data-dir", dir.toString()).exit()).isZero();
    Path typo = Files.writeString(tmp.resolve("snp.json"), "{\"minimum_tbc\": {\"snp\": 9}}");
    CliRunner bad = CliRunner.run("broker", "serve", "--data-dir", dir.toString(), "--port", "0", "--policy", "snp=" + typo);
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--policy snp=" + typo + ": unknown key 'minimum_tbc'");
    CliRunner tdx = CliRunner.run("broker", "serve", "--data-dir", dir.toString(), "--port", "0", "--policy", "tdx=" + typo);
    assertThat(tdx.exit()).isEqualTo(2);
    assertThat(tdx.err()).contains("--policy tdx=" + typo + ": unknown key 'minimum_tbc'");
    Path nitro = Files.writeString(tmp.resolve("nitro.json"), "{\"pcrs\": {\"0\": \"00\"}}");
    CliRunner shortPcr = CliRunner.run("broker", "serve", "--data-dir", dir.toString(), "--port", "0", "--policy", "nitro=" + nitro);
    assertThat(shortPcr.exit()).isEqualTo(2);
    assertThat(shortPcr.err()).contains("--policy nitro=" + nitro + ": pcrs.0: a Nitro PCR is 48 bytes (SHA-384), got 1");
  }

  @Test
  void auditVerifyAndExportAndTamperDetection(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("b");
    assertThat(CliRunner.run("broker", "init", "--data-dir", dir.toString()).exit()).isZero();
    // Starting and stopping a broker writes audit entries.
    try (var b = dev.cloister.broker.Broker.start(dev.cloister.broker.Broker.Options.loopback(dir, 0))) {
      assertThat(b.uri().getPort()).isPositive();
    }
    CliRunner ok = CliRunner.run("audit", "verify", "--data-dir", dir.toString(), "--json", "--save-checkpoint", tmp.resolve("cp").toString());
    assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
    assertThat(new ObjectMapper().readTree(ok.out()).get("verdict").asText()).isEqualTo("intact");
    CliRunner ocsf = CliRunner.run("audit", "export", "--data-dir", dir.toString(), "--format", "ocsf");
    assertThat(ocsf.exit()).isZero();
    assertThat(ocsf.out()).contains("\"class_uid\":6003");
    assertThat(CliRunner.run("audit", "export", "--data-dir", dir.toString(), "--format", "xml").exit()).isEqualTo(2);
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("broker.db")); var s = c.createStatement()) {
      s.executeUpdate("DELETE FROM ledger_entries WHERE idx = 0");
    }
    CliRunner bad = CliRunner.run("audit", "verify", "--data-dir", dir.toString());
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.out()).startsWith("TAMPERED");
    assertThat(Files.readString(tmp.resolve("cp"))).contains("cloister-broker/");
  }

  @Test
  void auditVerifyAgainstARunningBroker(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("b");
    assertThat(CliRunner.run("broker", "init", "--data-dir", dir.toString()).exit()).isZero();
    String vkey = Files.readString(dir.resolve("audit.vkey")).strip();
    try (var b = dev.cloister.broker.Broker.start(dev.cloister.broker.Broker.Options.loopback(dir, 0))) {
      CliRunner ok = CliRunner.run("audit", "verify", "--url", b.uri().toString(), "--admin-token", dir.resolve("admin.token").toString(),
          "--vkey", vkey);
      assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
      assertThat(ok.out()).startsWith("INTACT");
      CliRunner wrongKey = CliRunner.run("audit", "verify", "--url", b.uri().toString(), "--admin-token", dir.resolve("admin.token").toString(),
          "--vkey", vkey.replaceFirst("\\+[0-9a-f]{8}\\+", "+00000000+"));
      assertThat(wrongKey.exit()).isEqualTo(2); // a key whose ID does not match it is malformed input, not a verdict on the log
      CliRunner export = CliRunner.run("audit", "export", "--url", b.uri().toString(), "--admin-token", dir.resolve("admin.token").toString());
      assertThat(export.exit()).isZero();
      assertThat(export.out()).contains("broker.start");
    }
  }
}
