package dev.cloister.enclave.sevguest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.abi.CertTable;
import dev.cloister.attestation.tee.Context;
import dev.cloister.attestation.tee.Evidence;
import dev.cloister.attestation.tee.TeeFamilies;
import dev.cloister.attestation.tee.Verdict;
import dev.cloister.attestation.testing.Vectors;
import dev.cloister.enclave.linux.FakeDevice;
import dev.cloister.enclave.linux.LinuxDevice;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SevGuest and SevGuestPlatform against a fake driver that answers as the kernel's sev-guest
 * driver does, with a real Milan report (go-sev-guest verify/testdata/attestation.bin) and the real
 * VCEK, ASK and ARK laid out as a host's GHCB certificate table.
 */
class SevGuestTest {
  /** go-sev-guest's attestation.bin: REPORT_DATA 0102030405 then zeros, VMPL 0 (INDEX.md 1b). */
  static final byte[] REAL_REPORT = Vectors.read("go-sev-guest/verify/testdata/attestation.bin");
  static final byte[] REAL_REPORT_DATA = Arrays.copyOf(new byte[] {1, 2, 3, 4, 5}, 64);
  static final String REAL_MEASUREMENT = "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01";
  static final byte[] VCEK = Vectors.read("go-sev-guest/verify/testdata/vcek.testcer");
  static byte[] ask;
  static byte[] ark;
  // The GHCB spec's GUIDs in RFC 4122 byte order, as AMD's sev-guest tool writes them (uuid_parse).
  static final String VCEK_GUID = "63da758de6644564adc5f4b93be8accd";
  static final String ASK_GUID = "4ab7b379bbac4fe4a02f05aef327c782";
  static final String ARK_GUID = "c0b406a4a80349529743" + "3fb6014cd0ae";

  @TempDir
  static Path simulatedDir;
  static SimulatedSnpPlatform simulated;
  static final Octets SIMULATED_MEASUREMENT = Octets.fromHex("5a".repeat(48));

  @BeforeAll
  static void load() throws Exception {
    List<byte[]> chain = new ArrayList<>();
    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(
        new ByteArrayInputStream(Vectors.read("go-sev-guest/verify/trust/ask_ark_milan.pem")))) {
      chain.add(c.getEncoded());
    }
    ask = chain.get(0);
    ark = chain.get(1);
    simulated = SimulatedSnpPlatform.openOrCreate(simulatedDir.resolve("platform"), Clock.systemUTC());
  }

  /** A GHCB certificate table written out by hand: entries, an all-zero terminator, then the blobs. */
  static byte[] table(List<Map.Entry<String, byte[]>> entries) {
    int header = (entries.size() + 1) * 24;
    ByteBuffer b = ByteBuffer.allocate(header + entries.stream().mapToInt(e -> e.getValue().length).sum()).order(ByteOrder.LITTLE_ENDIAN);
    int offset = header;
    for (var e : entries) {
      b.put(HexFormat.of().parseHex(e.getKey())).putInt(offset).putInt(e.getValue().length);
      offset += e.getValue().length;
    }
    b.position(header);
    entries.forEach(e -> b.put(e.getValue()));
    return b.array();
  }

  static byte[] realCertificates() {
    return table(List.of(Map.entry(VCEK_GUID, VCEK), Map.entry(ASK_GUID, ask), Map.entry(ARK_GUID, ark)));
  }

  /** The firmware: the captured report when asked for its report data, else a simulated report over what was asked. */
  static FakeSevGuestDriver driver() {
    FakeSevGuestDriver d = new FakeSevGuestDriver();
    d.firmware = userData -> Arrays.equals(userData, REAL_REPORT_DATA) ? REAL_REPORT
        : simulated.report(SimulatedSnpPlatform.ReportRequest.builder().measurement(SIMULATED_MEASUREMENT).reportData(Octets.copyOf(userData)).build()).toByteArray();
    d.hostCertificates = realCertificates();
    return d;
  }

  static SevGuest guest(FakeSevGuestDriver d) {
    return new SevGuest(new FakeDevice(Path.of("/dev/sev-guest"), d));
  }

  @Test
  void reportReturnsTheFirmwaresReportByteForByte() throws Exception {
    FakeSevGuestDriver d = driver();
    FakeDevice dev = new FakeDevice(Path.of("/dev/sev-guest"), d);
    SevGuest.Report r;
    try (SevGuest g = new SevGuest(dev)) {
      r = g.report(Octets.copyOf(REAL_REPORT_DATA), 0);
    }
    assertThat(r.bytes()).isEqualTo(REAL_REPORT);
    assertThat(r.report().measurement().hex()).isEqualTo(REAL_MEASUREMENT);
    assertThat(dev.requests()).containsExactly(FakeSevGuestDriver.SNP_GET_REPORT);
    assertThat(dev.closed()).isTrue();
    // struct snp_report_req as the kernel reads it: user_data at 0, vmpl at 64, rsvd zero.
    byte[] req = d.reportRequests.getFirst();
    assertThat(Arrays.copyOf(req, 64)).isEqualTo(REAL_REPORT_DATA);
    assertThat(ByteBuffer.wrap(req, 64, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()).isZero();
    assertThat(Arrays.copyOfRange(req, 68, 96)).containsOnly(0);
  }

  @Test
  void reportPassesTheVmplAskedFor() throws Exception {
    FakeSevGuestDriver d = driver();
    byte[] userData = new byte[64];
    userData[63] = 9;
    assertThatThrownBy(() -> guest(d).report(Octets.copyOf(userData), 2))
        .isInstanceOfSatisfying(SevGuestException.BadResponse.class, e -> assertThat(e.field()).isEqualTo("report.vmpl"))
        .hasMessage("SNP_GET_REPORT: report.vmpl: is 0, asked for 2");
    assertThat(ByteBuffer.wrap(d.reportRequests.getFirst(), 64, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(2);
  }

  @Test
  void extendedReportCarriesTheHostsCertificateTable() throws Exception {
    FakeSevGuestDriver d = driver();
    SevGuest.ExtendedReport x = guest(d).extendedReport(Octets.copyOf(REAL_REPORT_DATA), 0);
    assertThat(x.report().bytes()).isEqualTo(REAL_REPORT);
    assertThat(x.certificates().get(CertTable.Kind.VCEK)).hasValueSatisfying(c -> assertThat(c).isEqualTo(VCEK));
    assertThat(x.certificates().get(CertTable.Kind.ASK)).hasValueSatisfying(c -> assertThat(c).isEqualTo(ask));
    assertThat(x.certificates().get(CertTable.Kind.ARK)).hasValueSatisfying(c -> assertThat(c).isEqualTo(ark));
    assertThat(d.certsLens).containsExactly(2 * 4096);
    // The whole buffer, zero-filled past the table, as the driver copies it out.
    assertThat(x.certificateBlob()).hasSize(2 * 4096).startsWith(realCertificates());
  }

  @Test
  void aShortCertificateBufferIsRetriedOnceWithTheSizeTheHostAsks() throws Exception {
    FakeSevGuestDriver d = driver();
    byte[] extra = new byte[5000];
    Arrays.fill(extra, (byte) 0x77);
    String otherGuid = "00112233445566778899aabbccddeeff";
    d.hostCertificates = table(List.of(Map.entry(VCEK_GUID, VCEK), Map.entry(ASK_GUID, ask), Map.entry(ARK_GUID, ark), Map.entry(otherGuid, extra)));
    SevGuest.ExtendedReport x = guest(d).extendedReport(Octets.copyOf(REAL_REPORT_DATA), 0);
    assertThat(d.certsLens).containsExactly(8192, 12288);
    assertThat(x.report().bytes()).isEqualTo(REAL_REPORT);
    assertThat(x.certificates().entries()).extracting(CertTable.Entry::toString)
        .containsExactly("VCEK[" + VCEK.length + " bytes]", "ASK[" + ask.length + " bytes]", "ARK[" + ark.length + " bytes]", "00112233-4455-6677-8899-aabbccddeeff[5000 bytes]");
    assertThat(x.certificates().entries().get(3).data()).isEqualTo(extra);
  }

  @Test
  void aHostAskingBeyondTheDriversLimitIsRefusedWithoutRetrying() {
    FakeSevGuestDriver d = driver();
    d.hostCertificates = table(List.of(Map.entry(VCEK_GUID, new byte[20000])));
    assertThatThrownBy(() -> guest(d).extendedReport(Octets.copyOf(REAL_REPORT_DATA), 0))
        .isInstanceOfSatisfying(SevGuestException.Vmm.class, e -> assertThat(e.code()).isEqualTo(1))
        .hasMessage("SNP_GET_EXT_REPORT: the hypervisor answered SNP_GUEST_VMM_ERR_INVALID_LEN (1): asks for a certificate buffer of 20480 bytes;"
            + " the driver takes whole pages above 8192 up to 16384");
    assertThat(d.certsLens).containsExactly(8192);
  }

  @Test
  void aHostStillShortAfterTheRetryIsTyped() {
    FakeSevGuestDriver d = driver();
    d.hostCertificates = table(List.of(Map.entry(VCEK_GUID, new byte[9000])));
    // The host's table grows between the two requests.
    d.afterInvalidLen = () -> d.hostCertificates = table(List.of(Map.entry(VCEK_GUID, new byte[13000])));
    assertThatThrownBy(() -> guest(d).extendedReport(Octets.copyOf(REAL_REPORT_DATA), 0))
        .isInstanceOf(SevGuestException.Vmm.class)
        .hasMessageContaining("still too small after retrying with the 12288 bytes it asked for (now asks 16384)");
  }

  @Test
  void aFirmwareErrorInExitinfo2IsNamed() {
    FakeSevGuestDriver d = driver();
    d.failErrno = FakeSevGuestDriver.EIO;
    d.failExitinfo2 = 0x16; // SEV_RET_INVALID_PARAM in psp-sev.h
    assertThatThrownBy(() -> guest(d).report(Octets.copyOf(REAL_REPORT_DATA), 0))
        .isInstanceOfSatisfying(SevGuestException.Firmware.class, e -> {
          assertThat(e.status()).contains(FirmwareStatus.INVALID_PARAM);
          assertThat(e.field()).isEqualTo("exitinfo2.fw_error");
        })
        .hasMessage("SNP_GET_REPORT: the secure processor answered INVALID_PARAM (0x16) in exitinfo2.fw_error");
  }

  @Test
  void aFirmwareErrorInTheResponseStatusIsNamed() {
    FakeSevGuestDriver d = driver();
    d.status = 0x27; // SEV_RET_INVALID_KEY
    assertThatThrownBy(() -> guest(d).extendedReport(Octets.copyOf(REAL_REPORT_DATA), 0))
        .isInstanceOfSatisfying(SevGuestException.Firmware.class, e -> assertThat(e.status()).contains(FirmwareStatus.INVALID_KEY))
        .hasMessage("SNP_GET_EXT_REPORT: the secure processor answered INVALID_KEY (0x27) in MSG_REPORT_RSP.status");
  }

  @Test
  void aBusyHypervisorIsAVmmError() {
    FakeSevGuestDriver d = driver();
    d.failErrno = FakeSevGuestDriver.EIO;
    d.failExitinfo2 = 2L << 32;
    assertThatThrownBy(() -> guest(d).report(Octets.copyOf(REAL_REPORT_DATA), 0))
        .isInstanceOfSatisfying(SevGuestException.Vmm.class, e -> assertThat(e.code()).isEqualTo(2))
        .hasMessage("SNP_GET_REPORT: the hypervisor answered SNP_GUEST_VMM_ERR_BUSY (2)");
  }

  @Test
  void aRequestThatNeverReachedTheFirmwareIsADeviceError() {
    FakeSevGuestDriver d = driver();
    d.failErrno = FakeSevGuestDriver.ENOTTY; // the driver wiped its VMPCK after an earlier error
    d.failExitinfo2 = 0xff;
    assertThatThrownBy(() -> guest(d).report(Octets.copyOf(REAL_REPORT_DATA), 0))
        .isInstanceOfSatisfying(SevGuestException.Device.class, e -> assertThat(e.errno()).isEqualTo(25))
        .hasMessage("SNP_GET_REPORT: ioctl SNP_GET_REPORT on /dev/sev-guest failed: ENOTTY (errno 25) (the request did not reach the firmware;"
            + " not a sev-guest device, or the driver disabled its VMPCK after an error)");
  }

  @Test
  void aReportOverOtherDataIsRefused() {
    FakeSevGuestDriver d = driver();
    d.firmware = userData -> REAL_REPORT; // a device that ignores user_data
    assertThatThrownBy(() -> guest(d).report(Octets.zeros(64), 0))
        .isInstanceOfSatisfying(SevGuestException.BadResponse.class, e -> assertThat(e.field()).isEqualTo("report.report_data"))
        .hasMessage("SNP_GET_REPORT: report.report_data: is not the user_data asked for");
  }

  @Test
  void aMalformedCertificateTableIsTyped() {
    FakeSevGuestDriver d = driver();
    byte[] t = realCertificates();
    ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 16, 8000); // ASK's offset past the blob
    d.hostCertificates = t;
    assertThatThrownBy(() -> guest(d).extendedReport(Octets.copyOf(REAL_REPORT_DATA), 0))
        .isInstanceOfSatisfying(SevGuestException.BadResponse.class, e -> assertThat(e.field()).isEqualTo("cert_table.entry[1]"))
        .hasMessageStartingWith("SNP_GET_EXT_REPORT: cert_table.entry[1]: offset 8000 length " + ask.length + " not within the certificate data [96, ");
  }

  @Test
  void derivedKeyMarshalsMsgKeyReqAndKeepsTheKeySecret() throws Exception {
    FakeSevGuestDriver d = driver();
    for (int i = 0; i < 32; i++) {
      d.derivedKey[i] = (byte) (0xA0 + i);
    }
    var req = new DerivedKeyRequest(DerivedKeyRequest.RootKey.VMRK, DerivedKeyRequest.KeySelect.VLEK,
        java.util.EnumSet.of(DerivedKeyRequest.GuestField.MEASUREMENT, DerivedKeyRequest.GuestField.GUEST_POLICY, DerivedKeyRequest.GuestField.TCB_VERSION),
        1, 7, 0x0300000000000873L);
    DerivedKey key = guest(d).derivedKey(req);
    assertThat(key.bytes()).isEqualTo(d.derivedKey);
    String hex = HexFormat.of().formatHex(d.derivedKey);
    assertThat(key.toString()).isEqualTo("DerivedKey[32 bytes, redacted]").doesNotContain(hex.substring(0, 8));
    // MSG_KEY_REQ as the kernel passes it on: ROOT_KEY_SELECT bit 0 VMRK, bits 2:1 KEY_SEL 2 (VLEK);
    // GUEST_FIELD_SELECT bit 0 policy, 3 measurement, 5 TCB version; VMPL; GUEST_SVN; TCB_VERSION.
    ByteBuffer k = ByteBuffer.wrap(d.keyRequests.getFirst()).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(k.getInt(0)).isEqualTo(0b101);
    assertThat(k.getInt(4)).isZero();
    assertThat(k.getLong(8)).isEqualTo(0b101001L);
    assertThat(k.getInt(16)).isEqualTo(1);
    assertThat(k.getInt(20)).isEqualTo(7);
    assertThat(k.getLong(24)).isEqualTo(0x0300000000000873L);
    key.destroy();
    assertThat(key.isDestroyed()).isTrue();
    assertThatThrownBy(key::bytes).isInstanceOf(IllegalStateException.class).hasMessage("the derived key was destroyed");
  }

  @Test
  void aRefusedKeyDerivationNamesTheStatusAndNoKey() {
    FakeSevGuestDriver d = driver();
    d.status = 0x16;
    assertThatThrownBy(() -> guest(d).derivedKey(DerivedKeyRequest.measurementBound(0)))
        .isInstanceOfSatisfying(SevGuestException.Firmware.class, e -> assertThat(e.field()).isEqualTo("MSG_KEY_RSP.status"))
        .hasMessage("SNP_GET_DERIVED_KEY: the secure processor answered INVALID_PARAM (0x16) in MSG_KEY_RSP.status");
  }

  @Test
  void thePlatformsEvidenceIsTheSnpEvidenceTheBrokerVerifies() throws Exception {
    SevGuestPlatform platform = SevGuestPlatform.open(() -> guest(driver()), 0);
    // The identity comes from the report the device gave for the probe (here the simulated firmware's).
    assertThat(platform.identity().measurement()).isEqualTo(SIMULATED_MEASUREMENT);
    assertThat(platform.tee()).isEqualTo("snp");

    JsonNode evidence = platform.evidence(REAL_REPORT_DATA);
    assertThat(evidence.path("cert_chain").findValuesAsText("cert_type")).containsExactly("VCEK", "ASK", "ARK");
    Verdict v = TeeFamilies.named("snp").orElseThrow().evaluate(new Evidence.Json(evidence), Context.builder().verifyOnly(true).build());
    assertThat(v.claims()).containsEntry("measurement", REAL_MEASUREMENT).containsEntry("platform", "hardware");
  }

  @Test
  void withoutAnEndorsementKeyFromTheHostTheEvidenceIsTheRawReport() throws Exception {
    FakeSevGuestDriver d = driver();
    d.hostCertificates = null;
    SevGuestPlatform platform = SevGuestPlatform.open(() -> guest(d), 0);
    JsonNode evidence = platform.evidence(REAL_REPORT_DATA);
    assertThat(evidence.isTextual()).isTrue();
    assertThat(Base64.getDecoder().decode(evidence.asText())).isEqualTo(REAL_REPORT);
  }

  @Test
  void onARealFileThatIsNoSevGuestDeviceTheKernelSaysEnotty(@TempDir Path dir) throws Exception {
    Path file = Files.write(dir.resolve("sev-guest"), new byte[64]);
    assertThat(SevGuestPlatform.present(file)).isFalse();
    try (SevGuest g = new SevGuest(LinuxDevice.open(file))) {
      assertThatThrownBy(() -> g.report(Octets.zeros(64), 0))
          .isInstanceOfSatisfying(SevGuestException.Device.class, e -> assertThat(e.errno()).isEqualTo(25))
          .hasMessageEndingWith("failed: ENOTTY (errno 25) (not a sev-guest device, or the driver disabled its VMPCK after an error)");
    }
  }
}
