package dev.cloister.attestation.snp.measure;

/** The inputs cannot produce a measurement: malformed firmware, an unsupported combination. Names the input. */
public final class MeasurementException extends Exception {
  private final String field;

  public MeasurementException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
