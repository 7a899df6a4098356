package dev.cloister.attestation.cel;

/** A policy that does not compile, or whose evaluation failed; a caller treats it as a denial. */
public final class CelPolicyException extends Exception {
  public CelPolicyException(String message, Throwable cause) {
    super(message, cause);
  }

  public CelPolicyException(String message) {
    super(message);
  }
}
