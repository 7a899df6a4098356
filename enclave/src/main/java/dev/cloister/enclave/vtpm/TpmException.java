package dev.cloister.enclave.vtpm;

/**
 * A TPM 2.0 command failed: the TPM answered an error code ({@link Refused}), its answer broke the
 * command's response structure ({@link Malformed}), or what it holds is not what the attester needs
 * ({@link Unsuitable}: an attestation key that cannot sign quotes, an NV index the owner cannot read). The message names the command and what failed;
 * never a secret (the commands here carry none beyond the empty owner password).
 */
public abstract sealed class TpmException extends Exception permits TpmException.Refused, TpmException.Malformed, TpmException.Unsuitable {
  private final String command;

  private TpmException(String command, String message) {
    super(command + message);
    this.command = command;
  }

  /** The command's name as in TPM 2.0 Part 3, e.g. {@code TPM2_Quote}. */
  public String command() {
    return command;
  }

  /** The TPM answered {@code code} instead of TPM_RC_SUCCESS. */
  public static final class Refused extends TpmException {
    private final ResponseCode code;

    public Refused(String command, ResponseCode code) {
      super(command, " failed: " + code);
      this.code = code;
    }

    public ResponseCode code() {
      return code;
    }
  }

  /** The response does not have the structure the command defines (sizes, tags, trailing bytes). */
  public static final class Malformed extends TpmException {
    public Malformed(String command, String what) {
      super(command, " response malformed: " + what);
    }
  }

  /** The TPM answered, but the object or index it describes cannot serve the attester. */
  public static final class Unsuitable extends TpmException {
    public Unsuitable(String command, String what) {
      super(command, ": " + what);
    }
  }
}
