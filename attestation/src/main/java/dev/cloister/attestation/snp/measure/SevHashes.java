package dev.cloister.attestation.snp.measure;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SEV hashes table QEMU places in the firmware for measured direct boot: SHA-256 of the
 * kernel command line (NUL-terminated), the initrd and the kernel, each in a GUIDed entry, the
 * table padded to 16 bytes and placed at its offset within its page. It must match QEMU's layout
 * byte for byte, or the measurement differs.
 */
final class SevHashes {
  static final String TABLE_GUID = "9438d606-4f22-4cc9-b479-a793d411fd21";
  static final String KERNEL_GUID = "4de79437-abd2-427f-b835-d5b172d2045b";
  static final String INITRD_GUID = "44baf731-3a2f-4bd7-9af1-41e29169781d";
  static final String CMDLINE_GUID = "97d02dd8-bd20-4c94-aa78-e7714d36ab2a";
  private static final int ENTRY = 16 + 2 + 32;
  private static final int TABLE = 16 + 2 + 3 * ENTRY;
  private static final int PADDED = (TABLE + 15) & ~15;

  private final byte[] kernel;
  private final byte[] initrd;
  private final byte[] cmdline;

  /** @param append the command line; null or empty hashes as the single NUL byte, as sev-snp-measure does */
  SevHashes(byte[] kernelImage, byte[] initrdImage, String append) {
    kernel = sha256(kernelImage);
    initrd = sha256(initrdImage == null ? new byte[0] : initrdImage);
    byte[] cmd = append == null || append.isEmpty() ? new byte[] {0} : (append + "\0").getBytes(StandardCharsets.UTF_8);
    cmdline = sha256(cmd);
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The table alone, zero-padded to 16 bytes: what SEV and SEV-ES fold into their SHA-256 launch digest. */
  byte[] table() {
    ByteBuffer b = ByteBuffer.allocate(PADDED).order(ByteOrder.LITTLE_ENDIAN);
    b.put(Guids.le(TABLE_GUID)).putShort((short) TABLE);
    entry(b, CMDLINE_GUID, cmdline);
    entry(b, INITRD_GUID, initrd);
    entry(b, KERNEL_GUID, kernel);
    return b.array();
  }

  /** The page SEV-SNP measures: the table at its offset, the rest zero. */
  byte[] page(int offsetInPage) {
    if (offsetInPage < 0 || offsetInPage + PADDED > LaunchDigest.PAGE) {
      throw new IllegalArgumentException("hashes table does not fit at offset " + offsetInPage);
    }
    byte[] page = new byte[LaunchDigest.PAGE];
    System.arraycopy(table(), 0, page, offsetInPage, PADDED);
    return page;
  }

  private static void entry(ByteBuffer b, String guid, byte[] hash) {
    b.put(Guids.le(guid)).putShort((short) ENTRY).put(hash);
  }
}
