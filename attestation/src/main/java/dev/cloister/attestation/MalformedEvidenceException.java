package dev.cloister.attestation;

/** The evidence does not parse: wrong length, unknown version, reserved bits set, bad encoding. */
public final class MalformedEvidenceException extends AttestationException {
  public MalformedEvidenceException(String field, String message) {
    super(field, message, null);
  }

  public MalformedEvidenceException(String field, String message, Throwable cause) {
    super(field, message, cause);
  }
}
