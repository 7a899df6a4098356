package dev.cloister.enclave.tdxguest;

/** TDX_CMD_GET_REPORT0 failed, or its answer is not a TDREPORT over the report data asked for; the message names the field or errno. */
public final class TdxGuestException extends Exception {
  private final String field;

  TdxGuestException(String field, String message, Throwable cause) {
    super(field + ": " + message, cause);
    this.field = field;
  }

  /** {@code open}, {@code TDX_CMD_GET_REPORT0}, or the TDREPORT field that is wrong. */
  public String field() {
    return field;
  }
}
