package dev.cloister.attestation.dcap.abi;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SGX ATTRIBUTES (16 bytes): FLAGS, a little-endian 64-bit field, then XFRM (Intel SDM Vol. 3D,
 * "SECS.ATTRIBUTES"). FLAGS bit 1 (DEBUG) lets the host read and write enclave memory; bit 2
 * (MODE64BIT) is a 64-bit enclave.
 */
public record SgxAttributes(long flags, long xfrm) {
  public static final int INIT = 0;
  public static final int DEBUG = 1;
  public static final int MODE64BIT = 2;
  public static final int PROVISIONKEY = 4;
  public static final int EINITTOKENKEY = 5;
  public static final int KSS = 7;

  public boolean flag(int bit) {
    return (flags >>> bit & 1) != 0;
  }

  public boolean debug() {
    return flag(DEBUG);
  }

  public boolean mode64Bit() {
    return flag(MODE64BIT);
  }

  public Map<String, Object> named() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("init", flag(INIT));
    m.put("debug", debug());
    m.put("mode64bit", mode64Bit());
    m.put("provision_key", flag(PROVISIONKEY));
    m.put("einittoken_key", flag(EINITTOKENKEY));
    m.put("kss", flag(KSS));
    m.put("flags", String.format("0x%016x", flags));
    m.put("xfrm", String.format("0x%016x", xfrm));
    return m;
  }
}
