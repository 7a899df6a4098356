package dev.cloister.attestation.dcap.appraise;

import dev.cloister.attestation.Octets;
import java.util.Optional;

/** Option validation shared by the TDX and SGX builders: errors name the option. */
final class Lengths {
  private Lengths() {}

  static void exact(Optional<Octets> v, int n, String field) {
    if (v.isPresent() && v.get().length() != n) {
      throw new IllegalArgumentException(field + " must be " + n + " bytes, got " + v.get().length());
    }
  }

  static void svn(Optional<Integer> v, String field) {
    if (v.isPresent() && (v.get() < 0 || v.get() > 0xFFFF)) {
      throw new IllegalArgumentException(field + " must be 0..65535, got " + v.get());
    }
  }
}
