package dev.cloister.attestation;

/**
 * Whether evidence chains to a hardware vendor's root or to a simulated vendor root. Set by the
 * trust anchor the caller chose, never by the evidence itself.
 */
public enum PlatformKind {
  HARDWARE("hardware"),
  SIMULATED("simulated");

  private final String label;

  PlatformKind(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
