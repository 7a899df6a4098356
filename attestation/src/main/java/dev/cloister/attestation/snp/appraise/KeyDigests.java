package dev.cloister.attestation.snp.appraise;

import dev.cloister.attestation.Octets;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.ECPublicKey;

/**
 * ID_KEY_DIGEST / AUTHOR_KEY_DIGEST of an ID-block key: SHA-384 over the key in the SEV-SNP ABI
 * public-key format (SNP ABI spec, "ECDSA Public Key Format"; same layout as go-sev-guest
 * {@code abi.EcdsaPublicKeyToBytes}): u32 LE curve id (2 = P-384) at 0x00, Qx as 72-byte little
 * endian at 0x04, Qy as 72-byte little endian at 0x4C, zero to 0x404 bytes in total.
 */
public final class KeyDigests {
  static final int CURVE_P384 = 2;
  static final int KEY_FORMAT_SIZE = 0x404;
  private static final int COMPONENT = 72;
  private static final BigInteger P384_ORDER =
      new BigInteger(
          "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
          16);

  private KeyDigests() {}

  /**
   * The digest the firmware puts in the report for this key.
   *
   * @throws IllegalArgumentException if the key is not on P-384, the only curve the ABI allows
   */
  public static Octets of(ECPublicKey key) {
    if (!key.getParams().getOrder().equals(P384_ORDER)) {
      throw new IllegalArgumentException("ID/author key must be ECDSA P-384");
    }
    byte[] buf = new byte[KEY_FORMAT_SIZE];
    ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).putInt(0, CURVE_P384);
    putLittleEndian(key.getW().getAffineX(), buf, 0x04);
    putLittleEndian(key.getW().getAffineY(), buf, 0x04 + COMPONENT);
    try {
      return Octets.copyOf(MessageDigest.getInstance("SHA-384").digest(buf));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-384 is mandatory in every JDK", e);
    }
  }

  private static void putLittleEndian(BigInteger v, byte[] dest, int offset) {
    byte[] be = v.toByteArray(); // big endian, possibly with a leading sign byte
    for (int i = 0; i < be.length && i < COMPONENT; i++) {
      dest[offset + i] = be[be.length - 1 - i];
    }
  }
}
