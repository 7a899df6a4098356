package dev.cloister.attestation.snp.abi;

import dev.cloister.attestation.MalformedEvidenceException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The guest POLICY the VM was launched with (SEV-SNP ABI, table "Guest Policy Structure"). Bit 17
 * is reserved and must be one; bits 26-63 are reserved and must be zero.
 */
public record GuestPolicy(long raw) {
  public static final int SMT = 16;
  public static final int RESERVED_MUST_BE_ONE = 17;
  public static final int MIGRATE_MA = 18;
  public static final int DEBUG = 19;
  public static final int SINGLE_SOCKET = 20;
  public static final int CXL_ALLOW = 21;
  public static final int MEM_AES_256_XTS = 22;
  public static final int RAPL_DIS = 23;
  public static final int CIPHERTEXT_HIDING = 24;
  public static final int PAGE_SWAP_DISABLE = 25;
  private static final long KNOWN_MASK = (1L << 26) - 1;

  /** Parses and validates the reserved bits. */
  public static GuestPolicy parse(long raw, String field) throws MalformedEvidenceException {
    if ((raw & (1L << RESERVED_MUST_BE_ONE)) == 0) {
      throw new MalformedEvidenceException(field, "reserved bit 17 must be 1");
    }
    if ((raw & ~KNOWN_MASK) != 0) {
      throw new MalformedEvidenceException(field, String.format("reserved bits 26-63 must be zero, got 0x%x", raw));
    }
    return new GuestPolicy(raw);
  }

  /** A policy with the given flags and ABI version, reserved bit 17 set. */
  public static GuestPolicy of(int abiMajor, int abiMinor, int... bits) {
    long r = (1L << RESERVED_MUST_BE_ONE) | (long) (abiMajor & 0xFF) << 8 | (abiMinor & 0xFF);
    for (int b : bits) {
      r |= 1L << b;
    }
    return new GuestPolicy(r);
  }

  public boolean bit(int bit) {
    return (raw & (1L << bit)) != 0;
  }

  public int abiMinor() {
    return (int) (raw & 0xFF);
  }

  public int abiMajor() {
    return (int) ((raw >>> 8) & 0xFF);
  }

  public boolean smt() {
    return bit(SMT);
  }

  public boolean migrateMa() {
    return bit(MIGRATE_MA);
  }

  public boolean debug() {
    return bit(DEBUG);
  }

  public boolean singleSocket() {
    return bit(SINGLE_SOCKET);
  }

  public boolean cxlAllow() {
    return bit(CXL_ALLOW);
  }

  public boolean memAes256Xts() {
    return bit(MEM_AES_256_XTS);
  }

  public boolean raplDis() {
    return bit(RAPL_DIS);
  }

  public boolean ciphertextHiding() {
    return bit(CIPHERTEXT_HIDING);
  }

  public boolean pageSwapDisable() {
    return bit(PAGE_SWAP_DISABLE);
  }

  /** Every field by its ABI name, for claims and display. */
  public Map<String, Object> named() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("abi_major", abiMajor());
    m.put("abi_minor", abiMinor());
    m.put("smt", smt());
    m.put("migrate_ma", migrateMa());
    m.put("debug", debug());
    m.put("single_socket", singleSocket());
    m.put("cxl_allow", cxlAllow());
    m.put("mem_aes_256_xts", memAes256Xts());
    m.put("rapl_dis", raplDis());
    m.put("ciphertext_hiding", ciphertextHiding());
    m.put("page_swap_disable", pageSwapDisable());
    return m;
  }

  @Override
  public String toString() {
    return String.format("GuestPolicy[0x%x]", raw);
  }
}
