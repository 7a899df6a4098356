package dev.cloister.enclave.tsm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.dcap.evidence.TdxEvidence;
import dev.cloister.attestation.snp.abi.CertTable;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.snp.evidence.SnpEvidenceCodec;
import dev.cloister.attestation.snp.verify.SnpEvidence;
import dev.cloister.attestation.testing.Vectors;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import dev.cloister.enclave.testing.SimulatedTsmDevice;
import dev.cloister.enclave.testing.TsmFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** configfs-tsm against tsmfs, the FUSE stand-in that behaves as the kernel's report interface. */
class ConfigfsTsmTest {
  static final String SNP_REPORT = "go-sev-guest/verify/testdata/attestation.bin";
  static final String SNP_CERTS = "go-sev-guest/_derived/cert_table_milan.bin";
  static final String TDX_QUOTE = "go-tdx-guest/testing/testdata/tdx_prod_quote_SPR_E4.dat";

  @TempDir Path tmp;

  static byte[] inblob(int seed) {
    byte[] b = new byte[64];
    Arrays.fill(b, (byte) seed);
    return b;
  }

  TsmFs mount(String... options) throws Exception {
    return TsmFs.mount(tmp.resolve("tsm"), List.of(options));
  }

  @Test
  void returnsACapturedSnpReportAndCertificateTableByteForByte() throws Exception {
    try (TsmFs fs = mount("--outblob", Vectors.require(SNP_REPORT).toString(), "--auxblob", Vectors.require(SNP_CERTS).toString())) {
      ConfigfsTsm.Report r = new ConfigfsTsm(fs.root()).report(inblob(7), OptionalInt.empty());
      assertThat(r.provider()).isEqualTo(ConfigfsTsm.Provider.SEV_GUEST);
      assertThat(r.outblob()).isEqualTo(Vectors.read(SNP_REPORT));
      assertThat(r.auxblob()).isEqualTo(Vectors.read(SNP_CERTS));
      assertThat(r.generation()).isEqualTo(1); // one write: inblob
      assertThat(SnpReport.parse(r.outblob()).measurement().hex())
          .isEqualTo("b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01");
      assertThat(CertTable.parse(r.auxblob()).get(CertTable.Kind.VCEK))
          .hasValueSatisfying(v -> assertThat(v).isEqualTo(Vectors.read("go-sev-guest/verify/testdata/vcek.testcer")));
      assertThat(fs.entries()).isEmpty();
    }
  }

  @Test
  void returnsACapturedTdxQuoteByteForByteAndReadsItsIdentity() throws Exception {
    try (TsmFs fs = mount("--provider", "tdx_guest", "--outblob", Vectors.require(TDX_QUOTE).toString())) {
      ConfigfsTsm tsm = new ConfigfsTsm(fs.root());
      ConfigfsTsm.Report r = tsm.report(inblob(1), OptionalInt.empty());
      assertThat(r.provider()).isEqualTo(ConfigfsTsm.Provider.TDX_GUEST);
      assertThat(r.outblob()).isEqualTo(Vectors.read(TDX_QUOTE));
      assertThat(r.auxblob()).isEmpty();
      // The captured quote carries go-tdx-guest's report data; asked for that, the platform accepts it.
      byte[] quoteReportData = HexFormat.of().parseHex(
          "6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed313b987a467dacead6f0c87a6d766c66f6f29f8acb281f1113");
      TsmPlatform p = TsmPlatform.open(tsm, quoteReportData);
      assertThat(p.tee()).isEqualTo("tdx");
      assertThat(p.identity()).isEqualTo(new dev.cloister.enclave.Platform.Identity(PlatformKind.HARDWARE,
          Octets.fromHex("6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb"), Octets.zeros(48)));
      JsonNode evidence = p.evidence(quoteReportData);
      assertThat(TdxEvidence.decode(evidence).quote()).isEqualTo(Vectors.read(TDX_QUOTE));
      // Any other report data: the device ignored inblob, and the platform refuses its report.
      assertThatThrownBy(() -> p.evidence(inblob(2))).isInstanceOf(TsmException.WrongBinding.class)
          .hasMessage("outblob: the TD report's REPORTDATA is not the 64 bytes written to inblob; the device ignored inblob, refusing its report");
      assertThat(fs.entries()).isEmpty();
    }
  }

  @Test
  void aDeviceThatIgnoresInblobIsRefused() throws Exception {
    SimulatedSnpPlatform sim = SimulatedSnpPlatform.openOrCreate(tmp.resolve("platform"), Clock.systemUTC());
    try (SimulatedTsmDevice dev = new SimulatedTsmDevice(tmp.resolve("sock"), sim, Octets.zeros(48), Octets.zeros(32));
        TsmFs fs = mount("--socket", dev.socket().toString(), "--ignore-inblob")) {
      assertThatThrownBy(() -> TsmPlatform.open(new ConfigfsTsm(fs.root()))).isInstanceOf(TsmException.WrongBinding.class)
          .hasMessage("outblob: REPORT_DATA is not the 64 bytes written to inblob; the device ignored inblob, refusing its report");
      assertThat(dev.reports()).isEqualTo(1);
      assertThat(fs.entries()).isEmpty();
    }
  }

  @Test
  void theSimulatedDeviceGivesEvidenceTheBrokerReadsWithTheCertificatesFromAuxblob() throws Exception {
    SimulatedSnpPlatform sim = SimulatedSnpPlatform.openOrCreate(tmp.resolve("platform"), Clock.systemUTC());
    Octets measurement = Octets.fromHex("ab".repeat(48));
    Octets hostData = Octets.fromHex("cd".repeat(32));
    try (SimulatedTsmDevice dev = new SimulatedTsmDevice(tmp.resolve("sock"), sim, measurement, hostData);
        TsmFs fs = mount("--socket", dev.socket().toString())) {
      ConfigfsTsm tsm = new ConfigfsTsm(fs.root());
      ConfigfsTsm.Report atVmpl2 = tsm.report(inblob(3), OptionalInt.of(2));
      assertThat(SnpReport.parse(atVmpl2.outblob()).vmpl()).isEqualTo(2);
      assertThat(atVmpl2.generation()).isEqualTo(2); // privlevel, then inblob
      TsmPlatform p = TsmPlatform.open(tsm);
      assertThat(p.tee()).isEqualTo("snp");
      assertThat(p.identity()).isEqualTo(new dev.cloister.enclave.Platform.Identity(PlatformKind.HARDWARE, measurement, hostData));
      SnpEvidence e = SnpEvidenceCodec.decodeTrusteeJson(p.evidence(inblob(9)));
      assertThat(e.report().reportData().toByteArray()).isEqualTo(inblob(9));
      assertThat(e.vek()).contains(sim.vcek());
      assertThat(e.chain()).containsExactlyElementsOf(sim.chain());
      assertThat(fs.entries()).isEmpty();
    }
  }

  @Test
  void aWriterRacingUsIsDetectedRetriedAndThenRefused() throws Exception {
    SimulatedSnpPlatform sim = SimulatedSnpPlatform.openOrCreate(tmp.resolve("platform"), Clock.systemUTC());
    try (SimulatedTsmDevice dev = new SimulatedTsmDevice(tmp.resolve("sock"), sim, Octets.zeros(48), Octets.zeros(32));
        TsmFs fs = mount("--socket", dev.socket().toString(), "--race", "1")) {
      // The first attempt is raced: the bump after outblob's report makes auxblob's read regenerate
      // (as the kernel's read_generation cache does), so that attempt cost two reports; the retry in
      // a fresh entry is not raced and costs one.
      ConfigfsTsm.Report r = new ConfigfsTsm(fs.root()).report(inblob(4), OptionalInt.empty());
      assertThat(dev.reports()).isEqualTo(3);
      assertThat(r.generation()).isEqualTo(1);
      assertThat(fs.entries()).isEmpty();
    }
    try (SimulatedTsmDevice dev = new SimulatedTsmDevice(tmp.resolve("sock2"), sim, Octets.zeros(48), Octets.zeros(32));
        TsmFs fs = mount("--socket", dev.socket().toString(), "--race", "1000")) {
      assertThatThrownBy(() -> new ConfigfsTsm(fs.root()).report(inblob(4), OptionalInt.empty())).isInstanceOf(TsmException.Raced.class)
          .hasMessage(fs.root() + ": generation moved behind our writes on each of 3 attempts (last: expected 1, read 3); another process is"
              + " writing to our report entries");
      assertThat(dev.reports()).isEqualTo(2 * ConfigfsTsm.ATTEMPTS);
      assertThat(fs.entries()).isEmpty();
    }
  }

  @Test
  void noConfigfsNamesThePathAndTheKernelNeeded() {
    Path root = tmp.resolve("no-configfs").resolve("report");
    assertThatThrownBy(() -> new ConfigfsTsm(root).report(inblob(0), OptionalInt.empty())).isInstanceOf(TsmException.Unavailable.class)
        .hasMessage(root + " does not exist: configfs-tsm needs configfs mounted at /sys/kernel/config and Linux 6.7+ with a TSM provider"
            + " (sev_guest or tdx_guest)");
  }

  @Test
  void noProviderUnknownProviderAndProviderFailureAreTyped() throws Exception {
    String report = Vectors.require(SNP_REPORT).toString();
    try (TsmFs fs = mount("--outblob", report, "--no-provider")) {
      assertThatThrownBy(() -> new ConfigfsTsm(fs.root()).report(inblob(0), OptionalInt.empty())).isInstanceOf(TsmException.NoProvider.class)
          .hasMessageStartingWith("mkdir " + fs.root() + "/cloister-")
          .hasMessageEndingWith(": no TSM provider registered (ENXIO): this guest has no sev_guest or tdx_guest driver loaded");
    }
    try (TsmFs fs = mount("--outblob", report, "--provider", "arm_cca_guest")) {
      assertThatThrownBy(() -> new ConfigfsTsm(fs.root()).report(inblob(0), OptionalInt.empty())).isInstanceOf(TsmException.UnknownProvider.class)
          .hasMessageMatching(".*/report/cloister-[0-9]+-[0-9a-f]{24}/provider: unknown provider 'arm_cca_guest' \\(known: sev_guest, tdx_guest\\)");
      assertThat(fs.entries()).isEmpty();
    }
    try (TsmFs fs = mount("--outblob", report, "--eio")) {
      assertThatThrownBy(() -> new ConfigfsTsm(fs.root()).report(inblob(0), OptionalInt.empty())).isInstanceOf(TsmException.ProviderFailed.class)
          .hasMessageEndingWith("/outblob: the sev_guest provider failed to produce a report (EIO); the guest's kernel log names the firmware error");
      assertThat(fs.entries()).isEmpty();
    }
  }

  @Test
  void blobsOfTheWrongSizeAreRefused() throws Exception {
    assertThatThrownBy(() -> new ConfigfsTsm(tmp).report(new byte[63], OptionalInt.empty())).isInstanceOf(TsmException.BadBlob.class)
        .hasMessage("inblob: must be exactly 64 bytes, got 63");
    assertThatThrownBy(() -> new ConfigfsTsm(tmp).report(new byte[64], OptionalInt.of(4))).isInstanceOf(TsmException.BadBlob.class)
        .hasMessage("privlevel: must be 0..3, got 4");
    Path shortReport = tmp.resolve("short.bin");
    Files.write(shortReport, Arrays.copyOf(Vectors.read(SNP_REPORT), 1000));
    try (TsmFs fs = mount("--outblob", shortReport.toString())) {
      assertThatThrownBy(() -> new ConfigfsTsm(fs.root()).report(inblob(0), OptionalInt.empty())).isInstanceOf(TsmException.BadBlob.class)
          .hasMessage("outblob: 1000 bytes, a sev_guest outblob is an SNP ATTESTATION_REPORT of 1184 bytes");
      assertThat(fs.entries()).isEmpty();
    }
    Path huge = tmp.resolve("huge.bin");
    Files.write(huge, new byte[40_000]);
    try (TsmFs fs = mount("--outblob", huge.toString())) {
      assertThatThrownBy(() -> new ConfigfsTsm(fs.root()).report(inblob(0), OptionalInt.empty())).isInstanceOf(TsmException.BadBlob.class)
          .hasMessage("outblob: larger than 32768 bytes (TSM_OUTBLOB_MAX)");
      assertThat(fs.entries()).isEmpty();
    }
    try (TsmFs fs = mount("--provider", "tdx_guest", "--outblob", Vectors.require(TDX_QUOTE).toString())) {
      assertThatThrownBy(() -> new ConfigfsTsm(fs.root()).report(inblob(0), OptionalInt.of(1))).isInstanceOf(TsmException.BadBlob.class)
          .hasMessage("privlevel: only the sev_guest provider takes a privilege level, this is tdx_guest");
      assertThat(fs.entries()).isEmpty();
    }
  }

  @Test
  void detectionFindsConfigfsTsmOnlyWithAProvider() throws Exception {
    assertThat(dev.cloister.enclave.Platforms.detect(dev.cloister.enclave.Platforms.probes(tmp.resolve("absent")))).isEmpty();
    assertThat(dev.cloister.enclave.Platforms.noneFound(dev.cloister.enclave.Platforms.probes(tmp.resolve("absent"))))
        .isEqualTo("no TEE found on this machine (looked for configfs-tsm at " + tmp.resolve("absent")
            + ", sev-guest at /dev/sev-guest, nsm at /dev/nsm, azure-vtpm at /dev/tpmrm0 (HCL report, NV index 0x01400001))"
            + "; to run on the simulated platform, say --platform simulated");
    try (TsmFs fs = mount("--outblob", Vectors.require(SNP_REPORT).toString(), "--no-provider")) {
      assertThat(dev.cloister.enclave.Platforms.detect(dev.cloister.enclave.Platforms.probes(fs.root()))).isEmpty();
    }
    try (TsmFs fs = mount("--outblob", Vectors.require(SNP_REPORT).toString())) {
      assertThat(dev.cloister.enclave.Platforms.detect(dev.cloister.enclave.Platforms.probes(fs.root())))
          .hasValueSatisfying(p -> assertThat(p.name()).isEqualTo("configfs-tsm"));
      assertThat(fs.entries()).isEmpty();
    }
  }
}
