package dev.cloister.enclave.sevguest;

import java.util.Optional;

/**
 * The AMD secure processor's status codes (SEV-SNP firmware ABI specification, "Status Codes";
 * the kernel's {@code sev_ret_code} in include/uapi/linux/psp-sev.h), as a guest request reports
 * them in exitinfo2's low half or in a response's STATUS field.
 */
public enum FirmwareStatus {
  SUCCESS(0x00),
  INVALID_PLATFORM_STATE(0x01),
  INVALID_GUEST_STATE(0x02),
  INVALID_CONFIG(0x03),
  INVALID_LEN(0x04),
  ALREADY_OWNED(0x05),
  INVALID_CERTIFICATE(0x06),
  POLICY_FAILURE(0x07),
  INACTIVE(0x08),
  INVALID_ADDRESS(0x09),
  BAD_SIGNATURE(0x0A),
  BAD_MEASUREMENT(0x0B),
  ASID_OWNED(0x0C),
  INVALID_ASID(0x0D),
  WBINVD_REQUIRED(0x0E),
  DFFLUSH_REQUIRED(0x0F),
  INVALID_GUEST(0x10),
  INVALID_COMMAND(0x11),
  ACTIVE(0x12),
  HWERROR_PLATFORM(0x13),
  HWERROR_UNSAFE(0x14),
  UNSUPPORTED(0x15),
  INVALID_PARAM(0x16),
  RESOURCE_LIMIT(0x17),
  SECURE_DATA_INVALID(0x18),
  INVALID_PAGE_SIZE(0x19),
  INVALID_PAGE_STATE(0x1A),
  INVALID_MDATA_ENTRY(0x1B),
  INVALID_PAGE_OWNER(0x1C),
  AEAD_OFLOW(0x1D),
  EXIT_RING_BUFFER(0x1F),
  RMP_INIT_REQUIRED(0x20),
  BAD_SVN(0x21),
  BAD_VERSION(0x22),
  SHUTDOWN_REQUIRED(0x23),
  UPDATE_FAILED(0x24),
  RESTORE_REQUIRED(0x25),
  RMP_INITIALIZATION_FAILED(0x26),
  INVALID_KEY(0x27);

  private final int code;

  FirmwareStatus(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static Optional<FirmwareStatus> of(long code) {
    for (FirmwareStatus s : values()) {
      if (s.code == code) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** {@code INVALID_PARAM (0x16)}, or {@code unknown status 0x..} for a code the spec does not list. */
  public static String describe(long code) {
    return of(code).map(s -> s.name() + " (0x" + Long.toHexString(code) + ")").orElse("unknown status 0x" + Long.toHexString(code));
  }
}
