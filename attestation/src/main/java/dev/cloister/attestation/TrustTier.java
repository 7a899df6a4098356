package dev.cloister.attestation;

/** The IETF EAR trust tiers (draft-ietf-rats-ear, AR4SI), ordered from best to worst. */
public enum TrustTier {
  NONE("none", 0),
  AFFIRMING("affirming", 2),
  WARNING("warning", 32),
  CONTRAINDICATED("contraindicated", 96);

  private final String label;
  private final int value;

  TrustTier(String label, int value) {
    this.label = label;
    this.value = value;
  }

  /** The EAR JSON string, e.g. {@code "affirming"}. */
  public String label() {
    return label;
  }

  /** The AR4SI integer. */
  public int value() {
    return value;
  }

  /** The worse of two tiers ({@code NONE} is neutral). */
  public TrustTier worst(TrustTier other) {
    return other.value > value ? other : this;
  }
}
