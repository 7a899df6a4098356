package dev.cloister.attestation.refvalue;

/** A reference value that is not accepted: malformed, unsigned, signed by an untrusted key, or outside its validity. */
public final class ReferenceValueException extends Exception {
  public ReferenceValueException(String message) {
    super(message);
  }
}
