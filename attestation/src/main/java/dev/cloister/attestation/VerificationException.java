package dev.cloister.attestation;

/**
 * The evidence parsed but is not genuine, or its genuineness cannot be established: bad signature,
 * broken or untrusted chain, expired or revoked certificate, certificate that does not match the
 * report, missing certificate.
 */
public final class VerificationException extends AttestationException {
  public VerificationException(String field, String message) {
    super(field, message, null);
  }

  public VerificationException(String field, String message, Throwable cause) {
    super(field, message, cause);
  }
}
