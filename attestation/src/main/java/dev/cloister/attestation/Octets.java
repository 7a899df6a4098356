package dev.cloister.attestation;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable byte string for evidence fields (measurements, digests, IDs). Never used for secrets:
 * {@link #toString()} prints the hex value.
 */
public final class Octets {
  private static final HexFormat HEX = HexFormat.of();
  private final byte[] bytes;

  private Octets(byte[] bytes) {
    this.bytes = bytes;
  }

  public static Octets copyOf(byte[] bytes) {
    return new Octets(bytes.clone());
  }

  public static Octets copyOfRange(byte[] bytes, int from, int to) {
    return new Octets(Arrays.copyOfRange(bytes, from, to));
  }

  public static Octets zeros(int length) {
    return new Octets(new byte[length]);
  }

  /**
   * Parses hex (upper or lower case, optional {@code 0x} prefix).
   *
   * @throws IllegalArgumentException naming the problem, never echoing the input
   */
  public static Octets fromHex(String hex) {
    String h = hex.strip();
    if (h.startsWith("0x") || h.startsWith("0X")) {
      h = h.substring(2);
    }
    if (h.length() % 2 != 0) {
      throw new IllegalArgumentException("hex string has an odd number of digits (" + h.length() + ")");
    }
    try {
      return new Octets(HEX.parseHex(h));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a hex string");
    }
  }

  public int length() {
    return bytes.length;
  }

  public byte get(int index) {
    return bytes[index];
  }

  public byte[] toByteArray() {
    return bytes.clone();
  }

  /** Copies into {@code dest} at {@code offset}. */
  public void copyTo(byte[] dest, int offset) {
    System.arraycopy(bytes, 0, dest, offset, bytes.length);
  }

  public boolean isAllZero() {
    for (byte b : bytes) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  /** Constant-time comparison against raw bytes, for values an attacker may probe. */
  public boolean contentEquals(byte[] other) {
    return MessageDigest.isEqual(bytes, other);
  }

  public String hex() {
    return HEX.formatHex(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Octets other && MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return hex();
  }
}
