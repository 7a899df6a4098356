package dev.cloister.enclave.sevguest;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.cloister.enclave.linux.ErrnoException;
import dev.cloister.enclave.linux.FakeDevice;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The sev-guest driver's side of the ioctls, after drivers/virt/coco/sev-guest/sev-guest.c (Linux
 * 6.12): it reads struct snp_guest_request_ioctl and the request struct it points to, and writes
 * the firmware's response message (MSG_REPORT_RSP: status, report_size, reserved, report; or
 * MSG_KEY_RSP) into resp_data, the host's certificate table into certs_address, and exitinfo2 back
 * on failure. Offsets and request numbers are the kernel's, written out here as gcc prints them
 * (not taken from the code under test). What answers is scripted by the test: a report for the
 * requested user data, a certificate table the "host" holds, an error to return.
 */
@SuppressWarnings("restricted") // the fake driver reads the caller's struct by address
final class FakeSevGuestDriver implements FakeDevice.Driver {
  static final long SNP_GET_REPORT = 0xC0205300L;
  static final long SNP_GET_DERIVED_KEY = 0xC0205301L;
  static final long SNP_GET_EXT_REPORT = 0xC0205302L;
  static final int EIO = 5;
  static final int EINVAL = 22;
  static final int ENOTTY = 25;

  /** The firmware: the 1184-byte report it signs for this user data. */
  Function<byte[], byte[]> firmware;
  /** The host's certificate blob (null: the host has none). */
  byte[] hostCertificates;
  /** MSG_REPORT_RSP.status / MSG_KEY_RSP.status. */
  int status;
  /** When set, the request fails with this errno and exitinfo2 (0 leaves exitinfo2 untouched, as the driver does). */
  Integer failErrno;
  long failExitinfo2;
  byte[] derivedKey = new byte[32];
  /** Runs after the host answered SNP_GUEST_VMM_ERR_INVALID_LEN (a test changes the host's table there). */
  Runnable afterInvalidLen = () -> {};

  final List<byte[]> reportRequests = new ArrayList<>();
  final List<Integer> certsLens = new ArrayList<>();
  final List<byte[]> keyRequests = new ArrayList<>();

  @Override
  public void ioctl(FakeDevice dev, long request, MemorySegment arg) throws ErrnoException {
    MemorySegment io = arg.reinterpret(32);
    if (io.get(JAVA_BYTE, 0) == 0) {
      throw dev.errno(EINVAL); // "Message version must be non-zero", before exitinfo2 is touched
    }
    long reqData = io.get(JAVA_LONG, 8);
    long respData = io.get(JAVA_LONG, 16);
    if (failErrno != null) {
      if (failExitinfo2 != 0) {
        io.set(JAVA_LONG, 24, failExitinfo2);
      }
      throw dev.errno(failErrno);
    }
    if (request == SNP_GET_REPORT) {
      byte[] req = FakeDevice.user(reqData, 96).toArray(JAVA_BYTE);
      reportRequests.add(req);
      writeReportResponse(respData, Arrays.copyOf(req, 64));
    } else if (request == SNP_GET_EXT_REPORT) {
      MemorySegment ext = FakeDevice.user(reqData, 112);
      byte[] req = ext.asSlice(0, 96).toArray(JAVA_BYTE);
      reportRequests.add(req);
      long certsAddress = ext.get(JAVA_LONG, 96);
      int certsLen = ext.get(JAVA_INT, 104);
      certsLens.add(certsLen);
      if (certsLen != 0 && certsAddress != 0) {
        if (certsLen > 0x4000 || certsLen % 4096 != 0) {
          throw dev.errno(EINVAL);
        }
        int need = hostCertificates == null ? 0 : (hostCertificates.length + 4095) / 4096 * 4096;
        if (certsLen < need) {
          // The host answered SNP_GUEST_VMM_ERR_INVALID_LEN with the pages it needs; the driver writes
          // the size into certs_len, sets exitinfo2 and fails with EIO.
          ext.set(JAVA_INT, 104, need);
          io.set(JAVA_LONG, 24, 1L << 32);
          afterInvalidLen.run();
          throw dev.errno(EIO);
        }
        MemorySegment certs = FakeDevice.user(certsAddress, certsLen);
        certs.fill((byte) 0);
        if (hostCertificates != null) {
          MemorySegment.copy(hostCertificates, 0, certs, JAVA_BYTE, 0, hostCertificates.length);
        }
      }
      writeReportResponse(respData, Arrays.copyOf(req, 64));
    } else if (request == SNP_GET_DERIVED_KEY) {
      keyRequests.add(FakeDevice.user(reqData, 32).toArray(JAVA_BYTE));
      MemorySegment resp = FakeDevice.user(respData, 64);
      resp.fill((byte) 0);
      resp.set(JAVA_INT, 0, status);
      if (status == 0) {
        MemorySegment.copy(derivedKey, 0, resp, JAVA_BYTE, 0x20, 32);
      }
    } else {
      throw dev.errno(ENOTTY);
    }
  }

  private void writeReportResponse(long respData, byte[] userData) {
    MemorySegment resp = FakeDevice.user(respData, 4000);
    resp.fill((byte) 0);
    resp.set(JAVA_INT, 0, status);
    if (status == 0) {
      byte[] report = firmware.apply(userData);
      resp.set(JAVA_INT, 4, report.length);
      MemorySegment.copy(report, 0, resp, JAVA_BYTE, 0x20, report.length);
    }
  }
}
