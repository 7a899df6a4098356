package dev.cloister.attestation.snp.abi;

import dev.cloister.attestation.MalformedEvidenceException;
import java.util.LinkedHashMap;
import java.util.Map;

/** PLATFORM_INFO: the platform's state when the report was made. Unknown bits are rejected. */
public record PlatformInfo(long raw) {
  public static final int SMT_EN = 0;
  public static final int TSME_EN = 1;
  public static final int ECC_EN = 2;
  public static final int RAPL_DIS = 3;
  public static final int CIPHERTEXT_HIDING_EN = 4;
  public static final int ALIAS_CHECK_COMPLETE = 5;
  public static final int TIO_EN = 7;
  private static final long KNOWN_MASK = 0b1011_1111L;

  public static PlatformInfo parse(long raw, String field) throws MalformedEvidenceException {
    if ((raw & ~KNOWN_MASK) != 0) {
      throw new MalformedEvidenceException(field, String.format("reserved bits set: 0x%x", raw & ~KNOWN_MASK));
    }
    return new PlatformInfo(raw);
  }

  public boolean bit(int bit) {
    return (raw & (1L << bit)) != 0;
  }

  public Map<String, Object> named() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("smt_enabled", bit(SMT_EN));
    m.put("tsme_enabled", bit(TSME_EN));
    m.put("ecc_enabled", bit(ECC_EN));
    m.put("rapl_disabled", bit(RAPL_DIS));
    m.put("ciphertext_hiding_enabled", bit(CIPHERTEXT_HIDING_EN));
    m.put("alias_check_complete", bit(ALIAS_CHECK_COMPLETE));
    m.put("tio_enabled", bit(TIO_EN));
    return m;
  }

  @Override
  public String toString() {
    return String.format("PlatformInfo[0x%x]", raw);
  }
}
