package dev.cloister.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.testing.Vectors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code measure snp} takes virtee/sev-snp-measure@8f2b337's command line: every invocation of its
 * README and of its tests (tests/test_guest.py as the CLI calls it, tests/test_cli.py) gives
 * upstream's exit code and output. The table (sev-snp-measure-cli.jsonl) holds upstream's asserted
 * digests; scripts/sev-snp-measure-parity.py runs upstream's own CLI on the same table. Fixtures are
 * upstream's tests/fixtures, read through {@link Vectors}; kernel and initrd are /dev/null, as there.
 */
class SevSnpMeasureCliTest {
  static final String FIXTURES = "sev-snp-measure/tests/fixtures/";
  static final String OVMF_HASH = "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74";
  static final String AMDSEV = FIXTURES + "ovmf_AmdSev_suffix.bin";
  /** README "Example: SNP:SVSM mode" names an OVMF_VARS file; the tests' store is 540672 bytes. */
  static final int VARS_SIZE = 540672;

  static Stream<Arguments> upstreamInvocations() throws IOException {
    List<Arguments> rows = new ArrayList<>();
    try (InputStream in = SevSnpMeasureCliTest.class.getResourceAsStream("sev-snp-measure-cli.jsonl")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank()) {
          JsonNode row = new ObjectMapper().readTree(line);
          rows.add(Arguments.of(row.get("name").asText(), row));
        }
      }
    }
    return rows.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("upstreamInvocations")
  void givesUpstreamsOutput(String name, JsonNode row, @TempDir Path tmp) throws IOException {
    List<String> args = new ArrayList<>(List.of("measure", "snp"));
    for (JsonNode a : row.get("args")) {
      args.add(resolve(a.asText(), tmp));
    }
    CliRunner r = CliRunner.run(args.toArray(String[]::new));
    assertThat(r.exit()).as(row.get("source").asText() + "\n" + r.err()).isEqualTo(row.get("exit").asInt());
    if (row.has("out")) {
      assertThat(r.out().strip()).isEqualTo(row.get("out").asText());
    }
    if (row.has("err")) {
      assertThat(r.err()).contains(row.get("err").asText());
    }
  }

  private static String resolve(String arg, Path tmp) throws IOException {
    String out = arg.replace("$AMDSEV", Vectors.require(AMDSEV).toString())
        .replace("$OVMFX64", Vectors.require(FIXTURES + "ovmf_OvmfX64_suffix.bin").toString());
    if (out.contains("$SVSM_OVMF")) {
      out = out.replace("$SVSM_OVMF", Vectors.require(FIXTURES + "svsm_ovmf.fd").toString());
    }
    if (out.contains("$SVSM")) {
      out = out.replace("$SVSM", Vectors.require(FIXTURES + "svsm.bin").toString());
    }
    if (out.contains("$VARS")) {
      Path vars = tmp.resolve("OVMF_VARS.fd");
      Files.write(vars, new byte[VARS_SIZE]);
      out = out.replace("$VARS", vars.toString());
    }
    return out;
  }

  @Test
  void jsonAndExpectKeepTheirShapeInTheNewModes() throws Exception {
    String ovmf = Vectors.require(AMDSEV).toString();
    // tests/test_guest.py::test_seves
    String[] seves = {"measure", "snp", "--mode", "seves", "--vcpus", "1", "--vcpu-type", "EPYC-v4", "--ovmf", ovmf,
        "--kernel", "/dev/null", "--initrd", "/dev/null", "--append", "", "--json"};
    CliRunner r = CliRunner.run(seves);
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("kind").asText()).isEqualTo("sev-es");
    assertThat(j.get("measurement").asText()).isEqualTo("13810ae661ea11e2bb205621f582fee268f0367c8f97bc297b7fadef3e12002c");
    assertThat(j.get("inputs").get("kernel_sha256").asText()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    CliRunner drifted = CliRunner.run(append(seves, "--expect", "0dccbcaba8e90b261bd0d2e1863a2f9da714768b7b2a19363cd6ae35aa90de91"));
    assertThat(drifted.exit()).isEqualTo(1);
    assertThat(drifted.err()).contains("differs from the expected 0dccbcaba8e9");
    assertThat(CliRunner.run(append(seves, "--expect", "13810AE661EA11E2BB205621F582FEE268F0367C8F97BC297B7FADEF3E12002C")).exit()).isZero();

    CliRunner hash = CliRunner.run("measure", "snp", "--mode", "snp:ovmf-hash", "--ovmf", ovmf, "--json", "--expect", OVMF_HASH);
    assertThat(hash.exit()).as(hash.err()).isZero();
    assertThat(new ObjectMapper().readTree(hash.out()).get("measurement").asText()).isEqualTo(OVMF_HASH);
  }

  /**
   * Where sev-snp-measure silently ignores an input (or crashes on it), Cloister refuses it: a
   * pipeline passing it believes it is measured. The first is also the old Cloister spelling of the
   * precomputed flow, which upstream reads the other way round.
   */
  @Test
  void inputsTheModeWouldNotMeasureAreUsageErrors() {
    String ovmf = Vectors.require(AMDSEV).toString();
    CliRunner oldForm = CliRunner.run("measure", "snp", "--mode", "snp:ovmf-hash", "--ovmf", ovmf, "--ovmf-hash", OVMF_HASH, "--vcpu-type", "EPYC-v4");
    assertThat(oldForm.exit()).isEqualTo(2);
    assertThat(oldForm.err()).contains("--mode snp:ovmf-hash prints that digest of --ovmf");
    CliRunner seves = CliRunner.run("measure", "snp", "--mode", "seves", "--ovmf", ovmf, "--snp-ovmf-hash", OVMF_HASH, "--vcpu-type", "EPYC-v4");
    assertThat(seves.exit()).isEqualTo(2);
    assertThat(seves.err()).contains("--mode seves cannot use one");
    CliRunner svsmKernel = CliRunner.run("measure", "snp", "--mode", "snp:svsm", "--ovmf", ovmf, "--svsm", ovmf, "--vars-size", "4096",
        "--kernel", "/dev/null", "--vcpu-type", "EPYC-v4");
    assertThat(svsmKernel.exit()).isEqualTo(2);
    assertThat(svsmKernel.err()).contains("--mode snp:svsm measures no direct boot: --kernel does not apply");
    CliRunner svsmEc2 = CliRunner.run("measure", "snp", "--mode", "snp:svsm", "--ovmf", ovmf, "--svsm", ovmf, "--vars-size", "4096",
        "--vmm-type", "ec2");
    assertThat(svsmEc2.exit()).isEqualTo(2);
    assertThat(svsmEc2.err()).contains("--mode snp:svsm is measured for QEMU only, not --vmm-type ec2");
    CliRunner short48 = CliRunner.run("measure", "snp", "--ovmf", ovmf, "--snp-ovmf-hash", OVMF_HASH.substring(2), "--vcpu-type", "EPYC-v4");
    assertThat(short48.exit()).isEqualTo(2);
    assertThat(short48.err()).contains("--snp-ovmf-hash: a firmware digest is 48 bytes (96 hex digits), got 47");
    // cli.py: parser.error("--dump-vmsa is not availibe in the selected mode"), exit 2 there too
    CliRunner sevDump = CliRunner.run("measure", "snp", "--mode", "sev", "--ovmf", ovmf, "--dump-vmsa");
    assertThat(sevDump.exit()).isEqualTo(2);
    assertThat(sevDump.err()).contains("--dump-vmsa: --mode sev measures no VMSA");
  }

  /**
   * --dump-vmsa writes vmsa0.bin, vmsa1.bin, ... in the working directory (test_seves_dump_vmsa),
   * so the CLI runs in its own process in a fresh directory. The files' SHA-256 are those of the
   * files sev-snp-measure@8f2b337's CLI writes for the same arguments.
   */
  @Test
  void dumpVmsaWritesUpstreamsFilesInTheWorkingDirectory(@TempDir Path tmp) throws Exception {
    String ovmf = Vectors.require(AMDSEV).toString();
    Path seves = Files.createDirectory(tmp.resolve("seves"));
    Process p = cloister(seves, "--mode", "seves", "--vcpus", "4", "--vcpu-type", "EPYC-v4", "--ovmf", ovmf, "--kernel", "/dev/null",
        "--initrd", "/dev/null", "--append", "", "--guest-features", "0x21", "--dump-vmsa");
    assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip())
        .isEqualTo("0dccbcaba8e90b261bd0d2e1863a2f9da714768b7b2a19363cd6ae35aa90de91");
    assertThat(p.waitFor()).isZero();
    assertThat(sha256s(seves)).containsExactly(
        "vmsa0.bin 8295cef559b57130391d59605890ef93297720b48bef9a8c3c985b9c3fb0788c",
        "vmsa1.bin 7ff723da33f39dedbe8336bb697e0a2f76471690074d5902e1a8177cd5312c95",
        "vmsa2.bin 7ff723da33f39dedbe8336bb697e0a2f76471690074d5902e1a8177cd5312c95",
        "vmsa3.bin 7ff723da33f39dedbe8336bb697e0a2f76471690074d5902e1a8177cd5312c95");
  }

  private static Process cloister(Path workingDir, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "measure", "snp"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(workingDir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    p.getOutputStream().close();
    return p;
  }

  private static List<String> sha256s(Path dir) throws Exception {
    List<String> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir).sorted()) {
      for (Path f : files.toList()) {
        out.add(f.getFileName() + " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
      }
    }
    return out;
  }

  private static String[] append(String[] a, String... more) {
    String[] out = java.util.Arrays.copyOf(a, a.length + more.length);
    System.arraycopy(more, 0, out, a.length, more.length);
    return out;
  }
}
