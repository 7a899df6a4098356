package dev.cloister.attestation.dcap.abi;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TD_ATTRIBUTES, a little-endian 64-bit field of the TD report (Intel TDX Module ABI spec,
 * "TDX_ATTRIBUTES"; go-tdx-guest validate.go names bits 0, 28, 30 and 63). Bit 0 (TUD.DEBUG) makes
 * the TD's memory and CPU state readable by the host: a debug TD proves nothing about its contents.
 */
public record TdAttributes(long raw) {
  public static final int DEBUG = 0;
  public static final int SEPT_VE_DISABLE = 28;
  public static final int MIGRATABLE = 29;
  public static final int PKS = 30;
  public static final int KL = 31;
  public static final int PERFMON = 63;

  /** The bits go-tdx-guest's validate accepts ({@code tdAttributesFixed0}): DEBUG, SEPT_VE_DISABLE, PKS, PERFMON. */
  public static final long SUPPORTED = 1L << DEBUG | 1L << SEPT_VE_DISABLE | 1L << PKS | 1L << PERFMON;

  public boolean bit(int bit) {
    return (raw >>> bit & 1) != 0;
  }

  public boolean debug() {
    return bit(DEBUG);
  }

  public boolean septVeDisable() {
    return bit(SEPT_VE_DISABLE);
  }

  /** Bits set outside {@link #SUPPORTED}. */
  public long unsupportedBits() {
    return raw & ~SUPPORTED;
  }

  /** Named bits for claims, plus the raw value. */
  public Map<String, Object> named() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("debug", debug());
    m.put("sept_ve_disable", septVeDisable());
    m.put("migratable", bit(MIGRATABLE));
    m.put("pks", bit(PKS));
    m.put("kl", bit(KL));
    m.put("perfmon", bit(PERFMON));
    m.put("raw", String.format("0x%016x", raw));
    return m;
  }
}
