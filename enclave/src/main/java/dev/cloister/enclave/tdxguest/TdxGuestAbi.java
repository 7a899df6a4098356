package dev.cloister.enclave.tdxguest;

import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.cloister.enclave.linux.IoctlRequest;
import java.lang.foreign.StructLayout;

/** {@code include/uapi/linux/tdx-guest.h} (Linux 6.12) as an FFM layout and request number; the ABI test checks both against gcc. */
public final class TdxGuestAbi {
  private TdxGuestAbi() {}

  public static final int TDX_REPORTDATA_LEN = 64;
  public static final int TDX_REPORT_LEN = 1024;

  public static final StructLayout TDX_REPORT_REQ = structLayout(
      sequenceLayout(TDX_REPORTDATA_LEN, JAVA_BYTE).withName("reportdata"),
      sequenceLayout(TDX_REPORT_LEN, JAVA_BYTE).withName("tdreport")).withName("tdx_report_req");

  public static final long TDX_CMD_GET_REPORT0 = IoctlRequest.iowr('T', 1, TDX_REPORT_REQ.byteSize());
}
