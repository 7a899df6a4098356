package dev.cloister.attestation;

/**
 * Evidence could not be accepted as genuine: it is malformed, or a signature, certificate, validity
 * period or revocation check failed. Every subclass names the field or check that failed; messages
 * never contain secret material.
 */
public abstract sealed class AttestationException extends Exception
    permits MalformedEvidenceException, VerificationException {
  private final String field;
  private final String detail;

  protected AttestationException(String field, String message, Throwable cause) {
    super(field + ": " + message, cause);
    this.field = field;
    this.detail = message;
  }

  /** What is wrong with {@link #field()}, without the field name. */
  public String detail() {
    return detail;
  }

  /** The evidence field, certificate or check that failed, e.g. {@code "report.version"}. */
  public String field() {
    return field;
  }
}
