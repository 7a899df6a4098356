package dev.cloister.attestation.snp.measure;

import java.util.HexFormat;

/** GUIDs in the little-endian byte order that firmware tables use (EFI_GUID). */
final class Guids {
  private Guids() {}

  /** The first three fields of a GUID are little-endian in memory; swapping is its own inverse. */
  private static byte[] swap(byte[] b) {
    byte[] out = b.clone();
    out[0] = b[3];
    out[1] = b[2];
    out[2] = b[1];
    out[3] = b[0];
    out[4] = b[5];
    out[5] = b[4];
    out[6] = b[7];
    out[7] = b[6];
    return out;
  }

  /** The in-memory bytes of a GUID written as {@code xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}. */
  static byte[] le(String guid) {
    return swap(HexFormat.of().parseHex(guid.replace("-", "")));
  }

  /** The canonical string of a GUID's in-memory bytes. */
  static String string(byte[] le) {
    String h = HexFormat.of().formatHex(swap(le));
    return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20) + "-" + h.substring(20);
  }
}
