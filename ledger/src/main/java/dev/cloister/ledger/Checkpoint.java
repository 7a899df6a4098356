package dev.cloister.ledger;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A signed tree head in the C2SP {@code tlog-checkpoint} format inside a C2SP {@code signed-note}
 * signed with Ed25519:
 *
 * <pre>
 * &lt;origin&gt;
 * &lt;tree size&gt;
 * &lt;base64 root hash&gt;
 *
 * — &lt;key name&gt; &lt;base64(key ID (4 bytes) || Ed25519 signature)&gt;
 * </pre>
 *
 * The key ID is the first four bytes of SHA-256(name || "\n" || 0x01 || public key), and the
 * verifier key is published as {@code name+hex(key ID)+base64(0x01 || public key)}, so standard
 * signed-note tooling can check a checkpoint.
 */
public record Checkpoint(String origin, long size, byte[] root, String note) {
  private static final String SIG_PREFIX = "\u2014 ";
  private static final byte ED25519 = 0x01;
  /** X.509 SubjectPublicKeyInfo prefix of a raw 32-byte Ed25519 key. */
  private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  /** The text a checkpoint signs. */
  static String body(String origin, long size, byte[] root) {
    return origin + "\n" + size + "\n" + Base64.getEncoder().encodeToString(root) + "\n";
  }

  /** Signs a checkpoint; the key name is the origin. */
  public static Checkpoint sign(String origin, long size, byte[] root, PrivateKey key, PublicKey pub) throws GeneralSecurityException {
    String body = body(origin, size, root);
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(key);
    s.update(body.getBytes(StandardCharsets.UTF_8));
    byte[] sig = s.sign();
    byte[] line = new byte[4 + sig.length];
    System.arraycopy(keyId(origin, raw(pub)), 0, line, 0, 4);
    System.arraycopy(sig, 0, line, 4, sig.length);
    String note = body + "\n" + SIG_PREFIX + origin + " " + Base64.getEncoder().encodeToString(line) + "\n";
    return new Checkpoint(origin, size, root.clone(), note);
  }

  /** The signed-note verifier key string for {@code pub}. */
  public static String verifierKey(String name, PublicKey pub) {
    byte[] raw = raw(pub);
    byte[] typed = new byte[33];
    typed[0] = ED25519;
    System.arraycopy(raw, 0, typed, 1, 32);
    return name + "+" + HexFormat.of().formatHex(keyId(name, raw)) + "+" + Base64.getEncoder().encodeToString(typed);
  }

  /** Parses a verifier key string back into its name and public key. */
  public static java.util.Map.Entry<String, PublicKey> parseVerifierKey(String vkey) throws LedgerTamperedException {
    String[] parts = vkey.strip().split("\\+", 3); // the base64 key may itself contain +
    if (parts.length != 3) {
      throw new LedgerTamperedException("verifier key must be name+keyid+key");
    }
    try {
      byte[] typed = Base64.getDecoder().decode(parts[2]);
      if (typed.length != 33 || typed[0] != ED25519) {
        throw new LedgerTamperedException("verifier key is not an Ed25519 signed-note key");
      }
      byte[] raw = Arrays.copyOfRange(typed, 1, 33);
      if (!HexFormat.of().formatHex(keyId(parts[0], raw)).equals(parts[1])) {
        throw new LedgerTamperedException("verifier key's ID does not match its name and key");
      }
      byte[] spki = new byte[SPKI_PREFIX.length + 32];
      System.arraycopy(SPKI_PREFIX, 0, spki, 0, SPKI_PREFIX.length);
      System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, 32);
      return java.util.Map.entry(parts[0], KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)));
    } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException | GeneralSecurityException e) {
      throw new LedgerTamperedException("verifier key is malformed");
    }
  }

  /**
   * Parses and verifies a note against the key named {@code name}.
   *
   * @throws LedgerTamperedException naming what is wrong: layout, signature, key ID, numbers
   */
  public static Checkpoint verify(String note, String name, PublicKey pub) throws LedgerTamperedException {
    int blank = note.indexOf("\n\n");
    if (blank < 0) {
      throw new LedgerTamperedException("checkpoint has no signature block");
    }
    String body = note.substring(0, blank + 1);
    String[] lines = body.split("\n", -1);
    if (lines.length < 4) {
      throw new LedgerTamperedException("checkpoint body must have origin, size and root lines");
    }
    long size;
    byte[] root;
    try {
      size = Long.parseLong(lines[1]);
      root = Base64.getDecoder().decode(lines[2]);
    } catch (IllegalArgumentException e) {
      throw new LedgerTamperedException("checkpoint size or root is malformed");
    }
    if (size < 0 || root.length != 32 || !lines[1].equals(Long.toString(size))) {
      throw new LedgerTamperedException("checkpoint size or root is malformed");
    }
    byte[] id = keyId(name, raw(pub));
    for (String line : note.substring(blank + 2).split("\n")) {
      if (!line.startsWith(SIG_PREFIX + name + " ")) {
        continue;
      }
      byte[] sig;
      try {
        sig = Base64.getDecoder().decode(line.substring((SIG_PREFIX + name + " ").length()));
      } catch (IllegalArgumentException e) {
        throw new LedgerTamperedException("checkpoint signature is not base64");
      }
      if (sig.length != 68 || !MessageDigest.isEqual(Arrays.copyOf(sig, 4), id)) {
        continue; // another key of the same name
      }
      try {
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(pub);
        s.update(body.getBytes(StandardCharsets.UTF_8));
        if (s.verify(Arrays.copyOfRange(sig, 4, 68))) {
          return new Checkpoint(lines[0], size, root, note);
        }
      } catch (GeneralSecurityException e) {
        // fall through to the error below
      }
      throw new LedgerTamperedException("checkpoint for size " + size + ": signature invalid");
    }
    throw new LedgerTamperedException("checkpoint for size " + size + ": no signature by key '" + name + "'");
  }

  static byte[] keyId(String name, byte[] rawKey) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(name.getBytes(StandardCharsets.UTF_8));
      d.update((byte) '\n');
      d.update(ED25519);
      return Arrays.copyOf(d.digest(rawKey), 4);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] raw(PublicKey pub) {
    byte[] enc = pub.getEncoded();
    if (enc.length != SPKI_PREFIX.length + 32) {
      throw new IllegalArgumentException("not an Ed25519 public key");
    }
    return Arrays.copyOfRange(enc, SPKI_PREFIX.length, enc.length);
  }

  @Override
  public String toString() {
    return "Checkpoint[" + origin + ", size " + size + ", root " + HexFormat.of().formatHex(root) + "]";
  }
}
