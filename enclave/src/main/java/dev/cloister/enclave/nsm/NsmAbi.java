package dev.cloister.enclave.nsm;

import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.cloister.enclave.linux.IoctlRequest;
import java.lang.foreign.StructLayout;

/** {@code include/uapi/linux/nsm.h} (Linux 6.12) as FFM layouts and the request number; the ABI test checks them against gcc. */
public final class NsmAbi {
  private NsmAbi() {}

  public static final int NSM_MAGIC = 0x0A;
  public static final int NSM_REQUEST_MAX_SIZE = 0x1000;
  public static final int NSM_RESPONSE_MAX_SIZE = 0x3000;

  public static final StructLayout NSM_IOVEC = structLayout(
      JAVA_LONG.withName("addr"),
      JAVA_LONG.withName("len")).withName("nsm_iovec");

  public static final StructLayout NSM_RAW = structLayout(
      NSM_IOVEC.withName("request"),
      NSM_IOVEC.withName("response")).withName("nsm_raw");

  public static final long NSM_IOCTL_RAW = IoctlRequest.iowr(NSM_MAGIC, 0x0, NSM_RAW.byteSize());
}
