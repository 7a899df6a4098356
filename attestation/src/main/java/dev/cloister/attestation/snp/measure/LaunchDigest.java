package dev.cloister.attestation.snp.measure;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The running launch digest of a guest context: each SNP_LAUNCH_UPDATE folds a PAGE_INFO
 * structure (SEV-SNP ABI, "Layout of the PAGE_INFO structure") into it:
 * {@code LD' = SHA-384(LD || contents || length=0x70 || page type || is_imi || vmpl3/2/1 perms || 0 || gpa)}.
 */
final class LaunchDigest {
  static final int PAGE = 4096;
  static final int DIGEST = 48;
  /** VMSA pages are recorded at GPA (u64)-1, page-aligned, bits above 51 cleared. */
  static final long VMSA_GPA = 0xFFFFFFFFF000L;
  static final int NORMAL = 0x01;
  static final int VMSA = 0x02;
  static final int ZERO = 0x03;
  static final int UNMEASURED = 0x04;
  static final int SECRETS = 0x05;
  static final int CPUID = 0x06;

  private byte[] ld;

  LaunchDigest(byte[] seed) {
    if (seed.length != DIGEST) {
      throw new IllegalArgumentException("a launch digest seed is 48 bytes");
    }
    this.ld = seed.clone();
  }

  static LaunchDigest fresh() {
    return new LaunchDigest(new byte[DIGEST]);
  }

  byte[] value() {
    return ld.clone();
  }

  static byte[] sha384(byte[] b, int off, int len) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-384");
      d.update(b, off, len);
      return d.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void update(int pageType, long gpa, byte[] contents) {
    ByteBuffer info = ByteBuffer.allocate(0x70).order(ByteOrder.LITTLE_ENDIAN);
    info.put(ld).put(contents);
    info.putShort((short) 0x70).put((byte) pageType).put((byte) 0); // length, type, is_imi
    info.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0); // vmpl3, vmpl2, vmpl1 perms, reserved
    info.putLong(gpa);
    ld = sha384(info.array(), 0, 0x70);
  }

  void normalPages(long gpa, byte[] data) {
    requirePages(data.length);
    for (int off = 0; off < data.length; off += PAGE) {
      update(NORMAL, gpa + off, sha384(data, off, PAGE));
    }
  }

  void vmsaPage(byte[] page) {
    if (page.length != PAGE) {
      throw new IllegalArgumentException("a VMSA is one page");
    }
    update(VMSA, VMSA_GPA, sha384(page, 0, PAGE));
  }

  void zeroPages(long gpa, long length) {
    requirePages(length);
    for (long off = 0; off < length; off += PAGE) {
      update(ZERO, gpa + off, new byte[DIGEST]);
    }
  }

  void unmeasuredPages(long gpa, long length) {
    requirePages(length);
    for (long off = 0; off < length; off += PAGE) {
      update(UNMEASURED, gpa + off, new byte[DIGEST]);
    }
  }

  void secretsPage(long gpa) {
    update(SECRETS, gpa, new byte[DIGEST]);
  }

  void cpuidPage(long gpa) {
    update(CPUID, gpa, new byte[DIGEST]);
  }

  private static void requirePages(long length) {
    if (length % PAGE != 0) {
      throw new IllegalArgumentException("length " + length + " is not a whole number of pages");
    }
  }
}
