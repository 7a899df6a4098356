package dev.cloister.enclave.vtpm;

import java.util.Map;
import java.util.Optional;

/**
 * A TPM 2.0 response code decoded as TPM 2.0 Part 2, 6.6 lays it out. Format 1 (bit 7 set) carries
 * an error number in bits 0..5 and names where it applies: a parameter (bit 6 set, number in bits
 * 8..11), else a session (bit 11 set, number in bits 8..10) or a handle (number in bits 8..10).
 * Format 0 is a TPM 2.0 code when bit 8 is set (a warning when bit 11 is also set, vendor-defined
 * when bit 10 is), else a TPM 1.2 code. Bits 16..23 carry a software layer (a resource manager's
 * own codes), kept as is.
 */
public record ResponseCode(int raw) {
  private static final int RC_VER1 = 0x100;
  private static final int RC_FMT1 = 0x080;
  private static final int RC_WARN = 0x900;

  // TPM 2.0 Part 2, Table 16: format-1 error numbers.
  private static final Map<Integer, String> FMT1 = Map.ofEntries(
      Map.entry(0x01, "TPM_RC_ASYMMETRIC"), Map.entry(0x02, "TPM_RC_ATTRIBUTES"), Map.entry(0x03, "TPM_RC_HASH"),
      Map.entry(0x04, "TPM_RC_VALUE"), Map.entry(0x05, "TPM_RC_HIERARCHY"), Map.entry(0x07, "TPM_RC_KEY_SIZE"),
      Map.entry(0x08, "TPM_RC_MGF"), Map.entry(0x09, "TPM_RC_MODE"), Map.entry(0x0A, "TPM_RC_TYPE"), Map.entry(0x0B, "TPM_RC_HANDLE"),
      Map.entry(0x0C, "TPM_RC_KDF"), Map.entry(0x0D, "TPM_RC_RANGE"), Map.entry(0x0E, "TPM_RC_AUTH_FAIL"), Map.entry(0x0F, "TPM_RC_NONCE"),
      Map.entry(0x10, "TPM_RC_PP"), Map.entry(0x12, "TPM_RC_SCHEME"), Map.entry(0x15, "TPM_RC_SIZE"), Map.entry(0x16, "TPM_RC_SYMMETRIC"),
      Map.entry(0x17, "TPM_RC_TAG"), Map.entry(0x18, "TPM_RC_SELECTOR"), Map.entry(0x1A, "TPM_RC_INSUFFICIENT"),
      Map.entry(0x1B, "TPM_RC_SIGNATURE"), Map.entry(0x1C, "TPM_RC_KEY"), Map.entry(0x1D, "TPM_RC_POLICY_FAIL"),
      Map.entry(0x1F, "TPM_RC_INTEGRITY"), Map.entry(0x20, "TPM_RC_TICKET"), Map.entry(0x21, "TPM_RC_RESERVED_BITS"),
      Map.entry(0x22, "TPM_RC_BAD_AUTH"), Map.entry(0x23, "TPM_RC_EXPIRED"), Map.entry(0x24, "TPM_RC_POLICY_CC"),
      Map.entry(0x25, "TPM_RC_BINDING"), Map.entry(0x26, "TPM_RC_CURVE"), Map.entry(0x27, "TPM_RC_ECC_POINT"));
  // Format-0 errors (RC_VER1 + n).
  private static final Map<Integer, String> VER1 = Map.ofEntries(
      Map.entry(0x000, "TPM_RC_INITIALIZE"), Map.entry(0x001, "TPM_RC_FAILURE"), Map.entry(0x003, "TPM_RC_SEQUENCE"),
      Map.entry(0x00B, "TPM_RC_PRIVATE"), Map.entry(0x019, "TPM_RC_HMAC"), Map.entry(0x020, "TPM_RC_DISABLED"),
      Map.entry(0x021, "TPM_RC_EXCLUSIVE"), Map.entry(0x024, "TPM_RC_AUTH_TYPE"), Map.entry(0x025, "TPM_RC_AUTH_MISSING"),
      Map.entry(0x026, "TPM_RC_POLICY"), Map.entry(0x027, "TPM_RC_PCR"), Map.entry(0x028, "TPM_RC_PCR_CHANGED"),
      Map.entry(0x02D, "TPM_RC_UPGRADE"), Map.entry(0x02E, "TPM_RC_TOO_MANY_CONTEXTS"), Map.entry(0x02F, "TPM_RC_AUTH_UNAVAILABLE"),
      Map.entry(0x030, "TPM_RC_REBOOT"), Map.entry(0x031, "TPM_RC_UNBALANCED"), Map.entry(0x042, "TPM_RC_COMMAND_SIZE"),
      Map.entry(0x043, "TPM_RC_COMMAND_CODE"), Map.entry(0x044, "TPM_RC_AUTHSIZE"), Map.entry(0x045, "TPM_RC_AUTH_CONTEXT"),
      Map.entry(0x046, "TPM_RC_NV_RANGE"), Map.entry(0x047, "TPM_RC_NV_SIZE"), Map.entry(0x048, "TPM_RC_NV_LOCKED"),
      Map.entry(0x049, "TPM_RC_NV_AUTHORIZATION"), Map.entry(0x04A, "TPM_RC_NV_UNINITIALIZED"), Map.entry(0x04B, "TPM_RC_NV_SPACE"),
      Map.entry(0x04C, "TPM_RC_NV_DEFINED"), Map.entry(0x050, "TPM_RC_BAD_CONTEXT"), Map.entry(0x051, "TPM_RC_CPHASH"),
      Map.entry(0x052, "TPM_RC_PARENT"), Map.entry(0x053, "TPM_RC_NEEDS_TEST"), Map.entry(0x054, "TPM_RC_NO_RESULT"),
      Map.entry(0x055, "TPM_RC_SENSITIVE"));
  // Format-0 warnings (RC_WARN + n).
  private static final Map<Integer, String> WARN = Map.ofEntries(
      Map.entry(0x001, "TPM_RC_CONTEXT_GAP"), Map.entry(0x002, "TPM_RC_OBJECT_MEMORY"), Map.entry(0x003, "TPM_RC_SESSION_MEMORY"),
      Map.entry(0x004, "TPM_RC_MEMORY"), Map.entry(0x005, "TPM_RC_SESSION_HANDLES"), Map.entry(0x006, "TPM_RC_OBJECT_HANDLES"),
      Map.entry(0x007, "TPM_RC_LOCALITY"), Map.entry(0x008, "TPM_RC_YIELDED"), Map.entry(0x009, "TPM_RC_CANCELED"),
      Map.entry(0x00A, "TPM_RC_TESTING"), Map.entry(0x020, "TPM_RC_NV_RATE"), Map.entry(0x021, "TPM_RC_LOCKOUT"),
      Map.entry(0x022, "TPM_RC_RETRY"), Map.entry(0x023, "TPM_RC_NV_UNAVAILABLE"));

  /** Where a format-1 error applies. */
  public enum Subject { HANDLE, SESSION, PARAMETER }

  /** Whether this is a format-1 code (an error about one handle, session or parameter). */
  public boolean formatOne() {
    return (tpmPart() & RC_FMT1) != 0;
  }

  /** The code without its software layer (bits 16..31). */
  private int tpmPart() {
    return raw & 0xFFFF;
  }

  /** The software layer that produced the code (0: the TPM itself). */
  public int layer() {
    return raw >>> 16;
  }

  /**
   * The specification's name of the error, e.g. {@code TPM_RC_HANDLE}; for an unknown number, its
   * class and number.
   */
  public String name() {
    int rc = tpmPart();
    if (formatOne()) {
      int n = rc & 0x3F;
      return Optional.ofNullable(FMT1.get(n)).orElse(String.format("format-1 error 0x%02x", n));
    }
    if ((rc & RC_VER1) == 0) {
      return String.format("TPM 1.2 code 0x%03x", rc);
    }
    int n = rc & 0x7F;
    if ((rc & 0x400) != 0) {
      return String.format("vendor-defined code 0x%03x", rc);
    }
    if ((rc & 0x800) != 0) {
      return Optional.ofNullable(WARN.get(n)).orElse(String.format("warning 0x%02x", n));
    }
    return Optional.ofNullable(VER1.get(n)).orElse(String.format("error 0x%02x", n));
  }

  /** What a format-1 error applies to; empty for format 0 or a number 0 (the command as a whole). */
  public Optional<Subject> subject() {
    if (!formatOne() || index() == 0) {
      return Optional.empty();
    }
    int rc = tpmPart();
    if ((rc & 0x40) != 0) {
      return Optional.of(Subject.PARAMETER);
    }
    return Optional.of((rc & 0x800) != 0 ? Subject.SESSION : Subject.HANDLE);
  }

  /** The 1-based number of the handle, session or parameter a format-1 error names; 0 when none. */
  public int index() {
    if (!formatOne()) {
      return 0;
    }
    int rc = tpmPart();
    return (rc & 0x40) != 0 ? (rc >>> 8) & 0xF : (rc >>> 8) & 0x7;
  }

  @Override
  public String toString() {
    String where = subject().map(s -> " on " + s.name().toLowerCase(java.util.Locale.ROOT) + " " + index()).orElse("");
    String layer = layer() != 0 ? String.format(" (software layer %d)", layer()) : "";
    return name() + where + String.format(" (0x%08x)", raw) + layer;
  }
}
