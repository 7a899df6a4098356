package dev.cloister.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.testing.Vectors;
import dev.cloister.broker.Broker;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CI flow of measurements: measure, compare with the committed value, sign, publish to a broker. */
class MeasurementCommandsTest {
  // virtee/sev-snp-measure@8f2b337 tests/fixtures/ovmf_AmdSev_suffix.bin; expected value from its test_snp_default.
  static final String EXPECTED = "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977";

  @Test
  void measureSignVerifyPublish(@TempDir Path tmp) throws Exception {
    Path ovmf = Vectors.require("sev-snp-measure/tests/fixtures/ovmf_AmdSev_suffix.bin");
    Path empty = Files.createFile(tmp.resolve("empty"));
    String[] measure = {"measure", "snp", "--ovmf", ovmf.toString(), "--kernel", empty.toString(), "--initrd", empty.toString(),
        "--append", "console=ttyS0 loglevel=7", "--vcpu-type", "EPYC-v4", "--guest-features", "0x21", "--json"};
    CliRunner m = CliRunner.run(measure);
    assertThat(m.exit()).as(m.err()).isZero();
    var j = new ObjectMapper().readTree(m.out());
    assertThat(j.get("kind").asText()).isEqualTo("sev-snp");
    assertThat(j.get("measurement").asText()).isEqualTo(EXPECTED);
    assertThat(j.get("inputs").get("kernel_sha256").asText()).hasSize(64);
    String[] drifted = java.util.Arrays.copyOf(measure, measure.length + 2);
    drifted[measure.length] = "--expect";
    drifted[measure.length + 1] = "00".repeat(48);
    assertThat(CliRunner.run(drifted).exit()).isEqualTo(1); // the pipeline fails on a drifted measurement
    assertThat(CliRunner.run("measure", "snp", "--ovmf", ovmf.toString()).exit()).isEqualTo(2); // QEMU needs a vCPU model
    assertThat(CliRunner.run("measure", "snp", "--ovmf", ovmf.toString(), "--mode", "snp:svsm", "--vcpu-type", "EPYC").exit()).isEqualTo(2); // needs --svsm
    CliRunner firmwareOnly = CliRunner.run("measure", "snp", "--ovmf", ovmf.toString(), "--mode", "snp:ovmf-hash", "--vcpu-type", "EPYC");
    assertThat(firmwareOnly.exit()).isZero(); // as sev-snp-measure: prints the firmware digest (its test_snp_ovmf_hash_full_default)
    assertThat(firmwareOnly.out().strip())
        .isEqualTo("086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74");

    Path keys = tmp.resolve("keys");
    assertThat(CliRunner.run("refvalues", "keygen", "--out-dir", keys.toString(), "--name", "ci").exit()).isZero();
    Path doc = tmp.resolve("image.rv");
    CliRunner sign = CliRunner.run("refvalues", "sign", "--key", keys.resolve("ci.jwk").toString(), "--measurement", EXPECTED,
        "--name", "readmission-image", "--version", "2026.11.28", "--out", doc.toString());
    assertThat(sign.exit()).as(sign.err()).isZero();
    assertThat(CliRunner.run("refvalues", "verify", doc.toString(), "--trusted-key", keys.resolve("ci.pub.jwk").toString(), "--expect", EXPECTED).exit())
        .isZero();
    assertThat(CliRunner.run("refvalues", "keygen", "--out-dir", keys.toString(), "--name", "other").exit()).isZero();
    assertThat(CliRunner.run("refvalues", "verify", doc.toString(), "--trusted-key", keys.resolve("other.pub.jwk").toString()).exit()).isEqualTo(1);

    Path bdir = tmp.resolve("broker");
    assertThat(CliRunner.run("broker", "init", "--data-dir", bdir.toString()).exit()).isZero();
    try (Broker b = Broker.start(Broker.Options.loopback(bdir, 0))) {
      String token = bdir.resolve("admin.token").toString();
      assertThat(CliRunner.run("refvalues", "publish", "--broker", b.uri().toString(), "--admin-token", token, "--file", doc.toString()).exit())
          .isEqualTo(1); // no pipeline key trusted yet
      CliRunner ok = CliRunner.run("refvalues", "publish", "--broker", b.uri().toString(), "--admin-token", token,
          "--trust-key", keys.resolve("ci.pub.jwk").toString(), "--file", doc.toString());
      assertThat(ok.exit()).as(ok.err()).isZero();
      assertThat(ok.out()).contains("readmission-image");
    }
  }
}
