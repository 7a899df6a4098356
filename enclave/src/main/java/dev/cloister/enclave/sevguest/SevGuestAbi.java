package dev.cloister.enclave.sevguest;

import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.cloister.enclave.linux.IoctlRequest;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;

/**
 * The structs and request numbers of {@code include/uapi/linux/sev-guest.h} (Linux 6.12), as FFM
 * layouts with the kernel's field names, and the firmware message formats the driver passes
 * through (SEV-SNP firmware ABI specification, MSG_REPORT_RSP and MSG_KEY_RSP). The ABI test
 * compares every size, offset and request number with what gcc computes from the header.
 */
public final class SevGuestAbi {
  private SevGuestAbi() {}

  public static final int USER_DATA_SIZE = 64;

  public static final StructLayout SNP_REPORT_REQ = structLayout(
      sequenceLayout(USER_DATA_SIZE, JAVA_BYTE).withName("user_data"),
      JAVA_INT.withName("vmpl"),
      sequenceLayout(28, JAVA_BYTE).withName("rsvd")).withName("snp_report_req");

  public static final StructLayout SNP_REPORT_RESP = structLayout(
      sequenceLayout(4000, JAVA_BYTE).withName("data")).withName("snp_report_resp");

  public static final StructLayout SNP_DERIVED_KEY_REQ = structLayout(
      JAVA_INT.withName("root_key_select"),
      JAVA_INT.withName("rsvd"),
      JAVA_LONG.withName("guest_field_select"),
      JAVA_INT.withName("vmpl"),
      JAVA_INT.withName("guest_svn"),
      JAVA_LONG.withName("tcb_version")).withName("snp_derived_key_req");

  public static final StructLayout SNP_DERIVED_KEY_RESP = structLayout(
      sequenceLayout(64, JAVA_BYTE).withName("data")).withName("snp_derived_key_resp");

  /** exitinfo2 is a union with {fw_error, vmm_error}: the low and high 32 bits on a little-endian CPU. */
  public static final StructLayout SNP_GUEST_REQUEST_IOCTL = structLayout(
      JAVA_BYTE.withName("msg_version"),
      paddingLayout(7),
      JAVA_LONG.withName("req_data"),
      JAVA_LONG.withName("resp_data"),
      JAVA_LONG.withName("exitinfo2")).withName("snp_guest_request_ioctl");

  public static final StructLayout SNP_EXT_REPORT_REQ = structLayout(
      SNP_REPORT_REQ.withName("data"),
      JAVA_LONG.withName("certs_address"),
      JAVA_INT.withName("certs_len"),
      paddingLayout(4)).withName("snp_ext_report_req");

  public static final int SNP_GUEST_REQ_IOC_TYPE = 'S';
  public static final long SNP_GET_REPORT = IoctlRequest.iowr(SNP_GUEST_REQ_IOC_TYPE, 0x0, SNP_GUEST_REQUEST_IOCTL.byteSize());
  public static final long SNP_GET_DERIVED_KEY = IoctlRequest.iowr(SNP_GUEST_REQ_IOC_TYPE, 0x1, SNP_GUEST_REQUEST_IOCTL.byteSize());
  public static final long SNP_GET_EXT_REPORT = IoctlRequest.iowr(SNP_GUEST_REQ_IOC_TYPE, 0x2, SNP_GUEST_REQUEST_IOCTL.byteSize());

  public static final int SNP_GUEST_VMM_ERR_SHIFT = 32;
  public static final int SNP_GUEST_VMM_ERR_INVALID_LEN = 1;
  public static final int SNP_GUEST_VMM_ERR_BUSY = 2;

  /** The guest message version the driver forwards to the firmware; the ioctl refuses 0. */
  public static final int MSG_VERSION = 1;

  /**
   * What the ioctl handler leaves in exitinfo2 when the request never reached the firmware: 0xff
   * since Linux 6.11 ({@code input.exitinfo2 = 0xff}), SEV_RET_NO_FW_CALL (-1) before.
   */
  public static final long EXITINFO2_NO_FW_CALL = 0xffL;
  public static final long EXITINFO2_NO_FW_CALL_OLD = -1L;

  /** The driver's limit on the certificate buffer (SEV_FW_BLOB_MAX_SIZE), which must be whole pages. */
  public static final int CERTS_MAX = 0x4000;
  public static final int PAGE_SIZE = 4096;

  /** MSG_REPORT_RSP (SEV-SNP ABI, "MSG_REPORT_RSP Message Structure"): STATUS, REPORT_SIZE, reserved, REPORT. */
  public static final int REPORT_RSP_STATUS = 0x00;
  public static final int REPORT_RSP_SIZE = 0x04;
  public static final int REPORT_RSP_REPORT = 0x20;
  /** MSG_KEY_RSP: STATUS, reserved, DERIVED_KEY (32 bytes). */
  public static final int KEY_RSP_STATUS = 0x00;
  public static final int KEY_RSP_KEY = 0x20;
  public static final int DERIVED_KEY_SIZE = 32;

  static long offset(StructLayout s, String... path) {
    PathElement[] p = new PathElement[path.length];
    for (int i = 0; i < path.length; i++) {
      p[i] = PathElement.groupElement(path[i]);
    }
    return s.byteOffset(p);
  }
}
