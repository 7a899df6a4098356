package dev.cloister.enclave.tdxguest;

import static dev.cloister.enclave.tdxguest.TdxGuestAbi.*;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.dcap.abi.TdReportStruct;
import dev.cloister.enclave.linux.ErrnoException;
import dev.cloister.enclave.linux.GuestDevice;
import dev.cloister.enclave.linux.LinuxDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The TDX guest driver's TDX_CMD_GET_REPORT0: the TD's TDREPORT (TDG.MR.REPORT) over 64 bytes of
 * report data, parsed with the attestation library's TDREPORT_STRUCT reader. A TDREPORT is MACed
 * for this platform only and is not evidence by itself: the quote a verifier checks comes from the
 * Quoting Enclave through configfs-tsm ({@code enclave.tsm}), which is where a TDX {@code Platform}
 * gets its evidence. This class serves what needs the local report: reading MRTD, RTMRs and
 * attributes inside the TD, and checking a quote's body against the TD that asked for it.
 */
public final class TdxGuest implements AutoCloseable {
  public static final Path DEFAULT_PATH = Path.of("/dev/tdx_guest");
  private static final long REPORTDATA = TDX_REPORT_REQ.byteOffset(PathElement.groupElement("reportdata"));
  private static final long TDREPORT = TDX_REPORT_REQ.byteOffset(PathElement.groupElement("tdreport"));

  private final GuestDevice device;

  public TdxGuest(GuestDevice device) {
    this.device = Objects.requireNonNull(device, "device");
  }

  /** Whether {@code dev} is a character device, as the tdx_guest driver creates. */
  public static boolean present(Path dev) {
    return LinuxDevice.isCharacterDevice(dev);
  }

  public static TdxGuest open(Path dev) throws TdxGuestException {
    try {
      return new TdxGuest(LinuxDevice.open(dev));
    } catch (ErrnoException e) {
      throw new TdxGuestException("open", e.getMessage() + (e.errno() == ErrnoException.ENOENT ? " (not a TDX guest, or the tdx_guest module is not loaded)" : ""), e);
    }
  }

  /** The TDREPORT over {@code reportData} (64 bytes), byte for byte as the TDX module wrote it, and parsed. */
  public record Report(byte[] bytes, TdReportStruct report) {
    public Report {
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }
  }

  public Report report(Octets reportData) throws TdxGuestException {
    if (reportData.length() != TDX_REPORTDATA_LEN) {
      throw new IllegalArgumentException("reportdata must be " + TDX_REPORTDATA_LEN + " bytes, got " + reportData.length());
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment req = arena.allocate(TDX_REPORT_REQ);
      MemorySegment.copy(reportData.toByteArray(), 0, req, ValueLayout.JAVA_BYTE, REPORTDATA, TDX_REPORTDATA_LEN);
      try {
        device.ioctl("TDX_CMD_GET_REPORT0", TDX_CMD_GET_REPORT0, req);
      } catch (ErrnoException e) {
        String why = switch (e.errno()) {
          case ErrnoException.EIO -> " (TDCALL[TDG.MR.REPORT] failed)";
          case ErrnoException.ENOTTY -> " (not a tdx_guest device)";
          default -> "";
        };
        throw new TdxGuestException("TDX_CMD_GET_REPORT0", e.getMessage() + why, e);
      }
      byte[] bytes = req.asSlice(TDREPORT, TDX_REPORT_LEN).toArray(ValueLayout.JAVA_BYTE);
      TdReportStruct parsed;
      try {
        parsed = TdReportStruct.parse(bytes, "tdreport");
      } catch (MalformedEvidenceException e) {
        throw new TdxGuestException(e.field(), e.detail(), e);
      }
      if (!parsed.reportData().equals(reportData)) {
        throw new TdxGuestException("tdreport.report_data", "is not the reportdata asked for", null);
      }
      return new Report(bytes, parsed);
    }
  }

  @Override
  public void close() {
    device.close();
  }

  @Override
  public String toString() {
    return "TdxGuest[" + device.path() + "]";
  }
}
