package dev.cloister.enclave.sevguest;

import static dev.cloister.enclave.sevguest.SevGuestAbi.*;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.abi.CertTable;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.enclave.linux.ErrnoException;
import dev.cloister.enclave.linux.GuestDevice;
import dev.cloister.enclave.linux.LinuxDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The SEV-SNP guest driver's ioctls, marshalled as {@code include/uapi/linux/sev-guest.h} and the
 * driver ({@code drivers/virt/coco/sev-guest}) define them. Every request goes through a
 * {@link GuestDevice}; the real one is {@link #open(Path)}.
 *
 * <p>The driver copies exitinfo2 back only when the request failed; it is set to 0 before each call
 * so that a stale value is never read as an error code.
 */
public final class SevGuest implements AutoCloseable {
  public static final Path DEFAULT_PATH = Path.of("/dev/sev-guest");
  /** First certificate buffer: two pages hold a VCEK, ASK and ARK in DER with room to spare. */
  static final int INITIAL_CERTS_LEN = 2 * PAGE_SIZE;

  private final GuestDevice device;

  public SevGuest(GuestDevice device) {
    this.device = Objects.requireNonNull(device, "device");
  }

  /** Whether {@code dev} is a character device, as the sev-guest driver creates (it may still refuse us). */
  public static boolean present(Path dev) {
    return LinuxDevice.isCharacterDevice(dev);
  }

  /** Opens the device read-write. */
  public static SevGuest open(Path dev) throws SevGuestException {
    try {
      return new SevGuest(LinuxDevice.open(dev));
    } catch (ErrnoException e) {
      throw new SevGuestException.Device("open", e, hint(e.errno()));
    }
  }

  /** A report and the bytes it was parsed from, exactly as the firmware signed them. */
  public record Report(byte[] bytes, SnpReport report) {
    public Report {
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }
  }

  /** A report with the host's certificate table (VCEK or VLEK, ASK, ARK), and the table's raw bytes. */
  public record ExtendedReport(Report report, CertTable certificates, byte[] certificateBlob) {
    public ExtendedReport {
      certificateBlob = certificateBlob.clone();
    }

    @Override
    public byte[] certificateBlob() {
      return certificateBlob.clone();
    }
  }

  /** SNP_GET_REPORT: a report over {@code userData} (64 bytes) at {@code vmpl}. */
  public Report report(Octets userData, int vmpl) throws SevGuestException {
    checkReportArgs(userData, vmpl);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment req = arena.allocate(SNP_REPORT_REQ);
      fillReportReq(req, userData, vmpl);
      MemorySegment resp = arena.allocate(SNP_REPORT_RESP);
      MemorySegment io = guestRequest(arena, req, resp);
      call("SNP_GET_REPORT", SNP_GET_REPORT, io);
      return readReport("SNP_GET_REPORT", resp, userData, vmpl);
    }
  }

  /**
   * SNP_GET_EXT_REPORT: a report and the certificate table the host keeps for this guest. When the
   * host says the buffer is too small (SNP_GUEST_VMM_ERR_INVALID_LEN; the driver writes the size it
   * needs into {@code certs_len}), asks once more with that size.
   */
  public ExtendedReport extendedReport(Octets userData, int vmpl) throws SevGuestException {
    checkReportArgs(userData, vmpl);
    int certsLen = INITIAL_CERTS_LEN;
    for (int attempt = 0; ; attempt++) {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment req = arena.allocate(SNP_EXT_REPORT_REQ);
        fillReportReq(req.asSlice(offset(SNP_EXT_REPORT_REQ, "data"), SNP_REPORT_REQ.byteSize()), userData, vmpl);
        MemorySegment certs = arena.allocate(certsLen, PAGE_SIZE);
        req.set(ValueLayout.JAVA_LONG, offset(SNP_EXT_REPORT_REQ, "certs_address"), certs.address());
        req.set(ValueLayout.JAVA_INT, offset(SNP_EXT_REPORT_REQ, "certs_len"), certsLen);
        MemorySegment resp = arena.allocate(SNP_REPORT_RESP);
        MemorySegment io = guestRequest(arena, req, resp);
        try {
          device.ioctl("SNP_GET_EXT_REPORT", SNP_GET_EXT_REPORT, io);
        } catch (ErrnoException e) {
          long exitinfo2 = exitinfo2(io);
          if (exitinfo2 >>> SNP_GUEST_VMM_ERR_SHIFT == SNP_GUEST_VMM_ERR_INVALID_LEN) {
            long asked = Integer.toUnsignedLong(req.get(ValueLayout.JAVA_INT, offset(SNP_EXT_REPORT_REQ, "certs_len")));
            if (attempt > 0) {
              throw new SevGuestException.Vmm("SNP_GET_EXT_REPORT", SNP_GUEST_VMM_ERR_INVALID_LEN,
                  "still too small after retrying with the " + certsLen + " bytes it asked for (now asks " + asked + ")", e);
            }
            if (asked <= certsLen || asked > CERTS_MAX || asked % PAGE_SIZE != 0) {
              throw new SevGuestException.Vmm("SNP_GET_EXT_REPORT", SNP_GUEST_VMM_ERR_INVALID_LEN,
                  "asks for a certificate buffer of " + asked + " bytes; the driver takes whole pages above " + certsLen + " up to " + CERTS_MAX, e);
            }
            certsLen = (int) asked;
            continue;
          }
          throw failure("SNP_GET_EXT_REPORT", io, e);
        }
        Report report = readReport("SNP_GET_EXT_REPORT", resp, userData, vmpl);
        byte[] blob = certs.toArray(ValueLayout.JAVA_BYTE);
        try {
          return new ExtendedReport(report, CertTable.parse(blob), blob);
        } catch (MalformedEvidenceException e) {
          throw new SevGuestException.BadResponse("SNP_GET_EXT_REPORT", e.field(), e.detail(), e);
        }
      }
    }
  }

  /** SNP_GET_DERIVED_KEY: the 32-byte key; the native buffers that held it are zeroed before they are freed. */
  public DerivedKey derivedKey(DerivedKeyRequest r) throws SevGuestException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment req = arena.allocate(SNP_DERIVED_KEY_REQ);
      req.set(ValueLayout.JAVA_INT, offset(SNP_DERIVED_KEY_REQ, "root_key_select"), r.rootKeySelect());
      req.set(ValueLayout.JAVA_LONG, offset(SNP_DERIVED_KEY_REQ, "guest_field_select"), r.guestFieldSelect());
      req.set(ValueLayout.JAVA_INT, offset(SNP_DERIVED_KEY_REQ, "vmpl"), r.vmpl());
      req.set(ValueLayout.JAVA_INT, offset(SNP_DERIVED_KEY_REQ, "guest_svn"), (int) r.guestSvn());
      req.set(ValueLayout.JAVA_LONG, offset(SNP_DERIVED_KEY_REQ, "tcb_version"), r.tcbVersion());
      MemorySegment resp = arena.allocate(SNP_DERIVED_KEY_RESP);
      try {
        MemorySegment io = guestRequest(arena, req, resp);
        call("SNP_GET_DERIVED_KEY", SNP_GET_DERIVED_KEY, io);
        long status = Integer.toUnsignedLong(resp.get(ValueLayout.JAVA_INT, KEY_RSP_STATUS));
        if (status != 0) {
          throw new SevGuestException.Firmware("SNP_GET_DERIVED_KEY", "MSG_KEY_RSP.status", status, null);
        }
        byte[] key = resp.asSlice(KEY_RSP_KEY, DERIVED_KEY_SIZE).toArray(ValueLayout.JAVA_BYTE);
        try {
          return new DerivedKey(key);
        } finally {
          java.util.Arrays.fill(key, (byte) 0);
        }
      } finally {
        resp.fill((byte) 0);
      }
    }
  }

  @Override
  public void close() {
    device.close();
  }

  // ---- marshalling ----

  private static void checkReportArgs(Octets userData, int vmpl) {
    if (userData.length() != USER_DATA_SIZE) {
      throw new IllegalArgumentException("user_data must be " + USER_DATA_SIZE + " bytes, got " + userData.length());
    }
    if (vmpl < 0 || vmpl > 3) {
      throw new IllegalArgumentException("vmpl must be 0..3, got " + vmpl);
    }
  }

  private static void fillReportReq(MemorySegment req, Octets userData, int vmpl) {
    MemorySegment.copy(userData.toByteArray(), 0, req, ValueLayout.JAVA_BYTE, offset(SNP_REPORT_REQ, "user_data"), USER_DATA_SIZE);
    req.set(ValueLayout.JAVA_INT, offset(SNP_REPORT_REQ, "vmpl"), vmpl);
  }

  private static MemorySegment guestRequest(Arena arena, MemorySegment req, MemorySegment resp) {
    MemorySegment io = arena.allocate(SNP_GUEST_REQUEST_IOCTL);
    io.set(ValueLayout.JAVA_BYTE, offset(SNP_GUEST_REQUEST_IOCTL, "msg_version"), (byte) MSG_VERSION);
    io.set(ValueLayout.JAVA_LONG, offset(SNP_GUEST_REQUEST_IOCTL, "req_data"), req.address());
    io.set(ValueLayout.JAVA_LONG, offset(SNP_GUEST_REQUEST_IOCTL, "resp_data"), resp.address());
    io.set(ValueLayout.JAVA_LONG, offset(SNP_GUEST_REQUEST_IOCTL, "exitinfo2"), 0L);
    return io;
  }

  private static long exitinfo2(MemorySegment io) {
    return io.get(ValueLayout.JAVA_LONG, offset(SNP_GUEST_REQUEST_IOCTL, "exitinfo2"));
  }

  private void call(String name, long request, MemorySegment io) throws SevGuestException {
    try {
      device.ioctl(name, request, io);
    } catch (ErrnoException e) {
      throw failure(name, io, e);
    }
  }

  /** Who refused, read from exitinfo2: the hypervisor (high half), the firmware (low half), or neither. */
  private static SevGuestException failure(String name, MemorySegment io, ErrnoException e) {
    long exitinfo2 = exitinfo2(io);
    if (exitinfo2 == 0 || exitinfo2 == EXITINFO2_NO_FW_CALL || exitinfo2 == EXITINFO2_NO_FW_CALL_OLD) {
      return new SevGuestException.Device(name, e, exitinfo2 == 0 ? hint(e.errno()) : "the request did not reach the firmware" + tail(hint(e.errno())));
    }
    long vmm = exitinfo2 >>> SNP_GUEST_VMM_ERR_SHIFT;
    long fw = exitinfo2 & 0xFFFF_FFFFL;
    if (vmm != 0) {
      return new SevGuestException.Vmm(name, vmm, fw == 0 ? "" : "firmware status " + FirmwareStatus.describe(fw), e);
    }
    return new SevGuestException.Firmware(name, "exitinfo2.fw_error", fw, e);
  }

  private static String tail(String hint) {
    return hint.isEmpty() ? "" : "; " + hint;
  }

  private static String hint(int errno) {
    return switch (errno) {
      case ErrnoException.ENOENT -> "no SEV-SNP guest driver: not an SEV-SNP guest, or the sev-guest module is not loaded";
      case ErrnoException.EACCES -> "needs root or access to the device";
      case ErrnoException.ENOTTY -> "not a sev-guest device, or the driver disabled its VMPCK after an error";
      default -> "";
    };
  }

  private static Report readReport(String name, MemorySegment resp, Octets userData, int vmpl) throws SevGuestException {
    long status = Integer.toUnsignedLong(resp.get(ValueLayout.JAVA_INT, REPORT_RSP_STATUS));
    if (status != 0) {
      throw new SevGuestException.Firmware(name, "MSG_REPORT_RSP.status", status, null);
    }
    long size = Integer.toUnsignedLong(resp.get(ValueLayout.JAVA_INT, REPORT_RSP_SIZE));
    if (size != SnpReport.SIZE) {
      throw new SevGuestException.BadResponse(name, "MSG_REPORT_RSP.report_size", "is " + size + ", an ATTESTATION_REPORT is " + SnpReport.SIZE, null);
    }
    byte[] bytes = resp.asSlice(REPORT_RSP_REPORT, size).toArray(ValueLayout.JAVA_BYTE);
    SnpReport report;
    try {
      report = SnpReport.parse(bytes);
    } catch (MalformedEvidenceException e) {
      throw new SevGuestException.BadResponse(name, e.field(), e.detail(), e);
    }
    if (!report.reportData().equals(userData)) {
      throw new SevGuestException.BadResponse(name, "report.report_data", "is not the user_data asked for", null);
    }
    if (report.vmpl() != vmpl) {
      throw new SevGuestException.BadResponse(name, "report.vmpl", "is " + report.vmpl() + ", asked for " + vmpl, null);
    }
    return new Report(bytes, report);
  }

  @Override
  public String toString() {
    return "SevGuest[" + device.path() + "]";
  }
}
