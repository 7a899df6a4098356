package dev.cloister.attestation;

import java.util.Objects;

/**
 * One named check of an appraisal and its outcome, e.g. {@code ("measurement", CONTRAINDICATED,
 * "not in the allow-list")}. Details describe, never include secrets.
 */
public record Check(String name, TrustTier outcome, String detail) {
  public Check {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(detail, "detail");
  }

  public static Check pass(String name, String detail) {
    return new Check(name, TrustTier.AFFIRMING, detail);
  }

  public static Check warn(String name, String detail) {
    return new Check(name, TrustTier.WARNING, detail);
  }

  public static Check fail(String name, String detail) {
    return new Check(name, TrustTier.CONTRAINDICATED, detail);
  }

  /** Affirming when {@code ok}, else contraindicated, with the same detail either way. */
  public static Check of(boolean ok, String name, String detail) {
    return ok ? pass(name, detail) : fail(name, detail);
  }

  /** Whether evidence holds exactly the expected bytes; a mismatch shows both (they are measurements, never secrets). */
  public static Check matches(String name, Octets got, Octets want) {
    return want.equals(got) ? pass(name, "matches") : fail(name, "got " + got.hex() + ", expected " + want.hex());
  }

  public boolean failed() {
    return outcome == TrustTier.CONTRAINDICATED;
  }
}
