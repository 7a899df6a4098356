package dev.cloister.enclave.sevguest;

import dev.cloister.enclave.linux.ErrnoException;

/**
 * A request to {@code /dev/sev-guest} failed. Which kind says who refused: the secure processor
 * ({@link Firmware}), the hypervisor ({@link Vmm}), the kernel before either ({@link Device}), or
 * the answer was not what was asked for ({@link BadResponse}). Messages name the request and the
 * field; they never carry a derived key.
 */
public abstract sealed class SevGuestException extends Exception
    permits SevGuestException.Firmware, SevGuestException.Vmm, SevGuestException.Device, SevGuestException.BadResponse {
  private final String request;

  SevGuestException(String request, String message, Throwable cause) {
    super(request + ": " + message, cause);
    this.request = request;
  }

  /** The ioctl: SNP_GET_REPORT, SNP_GET_EXT_REPORT or SNP_GET_DERIVED_KEY. */
  public String request() {
    return request;
  }

  /**
   * The firmware refused: its status code, from exitinfo2's low half ({@code fw_error}) or from the
   * response message's STATUS field.
   */
  public static final class Firmware extends SevGuestException {
    private final long code;
    private final String field;

    Firmware(String request, String field, long code, Throwable cause) {
      super(request, "the secure processor answered " + FirmwareStatus.describe(code) + " in " + field, cause);
      this.code = code;
      this.field = field;
    }

    public long code() {
      return code;
    }

    /** {@code exitinfo2.fw_error}, {@code MSG_REPORT_RSP.status} or {@code MSG_KEY_RSP.status}. */
    public String field() {
      return field;
    }

    public java.util.Optional<FirmwareStatus> status() {
      return FirmwareStatus.of(code);
    }
  }

  /** The hypervisor refused the guest request (exitinfo2's high half, {@code vmm_error}). */
  public static final class Vmm extends SevGuestException {
    private final long code;

    Vmm(String request, long code, String detail, Throwable cause) {
      super(request, "the hypervisor answered " + describe(code) + (detail.isEmpty() ? "" : ": " + detail), cause);
      this.code = code;
    }

    public long code() {
      return code;
    }

    static String describe(long code) {
      return switch ((int) code) {
        case SevGuestAbi.SNP_GUEST_VMM_ERR_INVALID_LEN -> "SNP_GUEST_VMM_ERR_INVALID_LEN (1)";
        case SevGuestAbi.SNP_GUEST_VMM_ERR_BUSY -> "SNP_GUEST_VMM_ERR_BUSY (2)";
        default -> "unknown VMM error " + code;
      };
    }
  }

  /** The kernel refused before the firmware saw the request (no such device, not a sev-guest device, VMPCK disabled). */
  public static final class Device extends SevGuestException {
    private final int errno;

    Device(String request, ErrnoException cause, String hint) {
      super(request, cause.getMessage() + (hint.isEmpty() ? "" : " (" + hint + ")"), cause);
      this.errno = cause.errno();
    }

    public int errno() {
      return errno;
    }
  }

  /** The answer does not hold what was asked for: wrong size, other report data, a malformed certificate table. */
  public static final class BadResponse extends SevGuestException {
    private final String field;

    BadResponse(String request, String field, String message, Throwable cause) {
      super(request, field + ": " + message, cause);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }
}
