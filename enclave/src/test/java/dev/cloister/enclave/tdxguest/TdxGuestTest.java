package dev.cloister.enclave.tdxguest;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.testing.Vectors;
import dev.cloister.enclave.linux.FakeDevice;
import dev.cloister.enclave.linux.LinuxDevice;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TdxGuest against a fake tdx_guest driver (drivers/virt/coco/tdx-guest: copy reportdata in,
 * TDG.MR.REPORT, copy tdreport out, -EIO when the TDCALL fails) serving the real TDREPORT an Azure
 * TDX CVM's HCL report carries (trustee az-tdx-vtpm/hcl-report.bin, at offset 32).
 */
@SuppressWarnings("restricted") // the fake driver reads the caller's struct by address
class TdxGuestTest {
  static final long TDX_CMD_GET_REPORT0 = 0xC4405401L; // as gcc computes it from tdx-guest.h
  static final byte[] HCL = Vectors.read("trustee/deps/verifier/test_data/az-tdx-vtpm/hcl-report.bin");
  static final byte[] TDREPORT = Arrays.copyOfRange(HCL, 32, 32 + 1024);
  static final byte[] REPORT_DATA = Arrays.copyOfRange(TDREPORT, 128, 192);
  /** The TD quote of the same TD: its body is what the TDREPORT says, as trustee's verifier checks. */
  static final byte[] QUOTE = Vectors.read("trustee/deps/verifier/test_data/az-tdx-vtpm/td-quote.bin");

  static final class Driver implements FakeDevice.Driver {
    byte[] tdreport = TDREPORT;
    Integer failErrno;
    final List<byte[]> reportdata = new ArrayList<>();

    @Override
    public void ioctl(FakeDevice dev, long request, MemorySegment arg) throws dev.cloister.enclave.linux.ErrnoException {
      if (request != TDX_CMD_GET_REPORT0) {
        throw dev.errno(25);
      }
      MemorySegment req = arg.reinterpret(1088);
      reportdata.add(req.asSlice(0, 64).toArray(JAVA_BYTE));
      if (failErrno != null) {
        throw dev.errno(failErrno);
      }
      MemorySegment.copy(tdreport, 0, req, JAVA_BYTE, 64, 1024);
    }
  }

  static TdxGuest guest(Driver d) {
    return new TdxGuest(new FakeDevice(Path.of("/dev/tdx_guest"), d));
  }

  @Test
  void reportReturnsTheTdreportByteForByteAndParsesIt() throws Exception {
    Driver d = new Driver();
    TdxGuest.Report r = guest(d).report(Octets.copyOf(REPORT_DATA));
    assertThat(r.bytes()).isEqualTo(TDREPORT);
    assertThat(d.reportdata).singleElement().isEqualTo(REPORT_DATA);
    assertThat(r.report().reportData()).isEqualTo(Octets.copyOf(REPORT_DATA));
    // The quote of this TD carries exactly the fields of this TDREPORT (body after the 48-byte header).
    assertThat(r.report().quoteBody()).isEqualTo(Arrays.copyOfRange(QUOTE, 48, 48 + 584));
  }

  @Test
  void aFailedTdcallIsTyped() {
    Driver d = new Driver();
    d.failErrno = 5;
    assertThatThrownBy(() -> guest(d).report(Octets.copyOf(REPORT_DATA)))
        .isInstanceOfSatisfying(TdxGuestException.class, e -> assertThat(e.field()).isEqualTo("TDX_CMD_GET_REPORT0"))
        .hasMessage("TDX_CMD_GET_REPORT0: ioctl TDX_CMD_GET_REPORT0 on /dev/tdx_guest failed: EIO (errno 5) (TDCALL[TDG.MR.REPORT] failed)");
  }

  @Test
  void aReportOverOtherDataIsRefused() {
    assertThatThrownBy(() -> guest(new Driver()).report(Octets.zeros(64)))
        .isInstanceOfSatisfying(TdxGuestException.class, e -> assertThat(e.field()).isEqualTo("tdreport.report_data"))
        .hasMessage("tdreport.report_data: is not the reportdata asked for");
  }

  @Test
  void aReportThatIsNotTdxIsRefused() {
    Driver d = new Driver();
    d.tdreport = TDREPORT.clone();
    d.tdreport[0] = 0x00; // REPORTTYPE.TYPE 0: an SGX report
    assertThatThrownBy(() -> guest(d).report(Octets.copyOf(REPORT_DATA)))
        .isInstanceOfSatisfying(TdxGuestException.class, e -> assertThat(e.field()).isEqualTo("tdreport.report_type"))
        .hasMessage("tdreport.report_type: type 0x00 is not TDX (0x81)");
  }

  @Test
  void onARealFileThatIsNoTdxGuestDeviceTheKernelSaysEnotty(@TempDir Path dir) throws Exception {
    Path file = Files.write(dir.resolve("tdx_guest"), new byte[8]);
    assertThat(TdxGuest.present(file)).isFalse();
    try (TdxGuest g = new TdxGuest(LinuxDevice.open(file))) {
      assertThatThrownBy(() -> g.report(Octets.zeros(64)))
          .isInstanceOf(TdxGuestException.class)
          .hasMessageEndingWith("failed: ENOTTY (errno 25) (not a tdx_guest device)");
    }
  }
}
