package dev.cloister.enclave.nsm;

import dev.cloister.enclave.linux.ErrnoException;

/**
 * An NSM request failed: the kernel refused the ioctl ({@link Device}), the NSM answered with its
 * {@code Error} response ({@link Refused}), or the answer is not the response asked for
 * ({@link BadResponse}, naming the field).
 */
public abstract sealed class NsmException extends Exception
    permits NsmException.Device, NsmException.Refused, NsmException.BadResponse {
  NsmException(String message, Throwable cause) {
    super(message, cause);
  }

  public static final class Device extends NsmException {
    private final int errno;

    Device(ErrnoException cause, String hint) {
      super(cause.getMessage() + (hint.isEmpty() ? "" : " (" + hint + ")"), cause);
      this.errno = cause.errno();
    }

    public int errno() {
      return errno;
    }
  }

  /** {@code {"Error": "<code>"}}. */
  public static final class Refused extends NsmException {
    private final NsmErrorCode code;

    Refused(NsmErrorCode code) {
      super("the NSM answered Error: " + code.wireName(), null);
      this.code = code;
    }

    public NsmErrorCode code() {
      return code;
    }
  }

  public static final class BadResponse extends NsmException {
    private final String field;

    BadResponse(String field, String message, Throwable cause) {
      super(field + ": " + message, cause);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }
}
