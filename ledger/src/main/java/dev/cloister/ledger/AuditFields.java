package dev.cloister.ledger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The one bound on what an entry records. Many fields carry text a client chose (a path, a reason
 * echoing its input), and an entry is signed, fsynced and kept forever: a text field longer than
 * {@link #MAX_CHARS} characters keeps its first {@link #KEPT_CHARS} and names the whole by its
 * UTF-8 length and SHA-256, so a long value can still be matched against a copy kept elsewhere
 * while an entry stays under a few kilobytes whatever a client sends.
 */
public final class AuditFields {
  /** The longest text a field keeps as it is. */
  public static final int MAX_CHARS = 1024;
  /** How much of a longer text is kept before its digest. */
  public static final int KEPT_CHARS = 256;

  private AuditFields() {}

  /** The text itself when at most {@link #MAX_CHARS} characters, else its head, UTF-8 length and SHA-256. */
  public static String bound(String text) {
    if (text == null) {
      return "";
    }
    if (text.length() <= MAX_CHARS) {
      return text;
    }
    int cut = Character.isHighSurrogate(text.charAt(KEPT_CHARS - 1)) ? KEPT_CHARS - 1 : KEPT_CHARS;
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    try {
      return text.substring(0, cut) + "...[truncated: " + utf8.length + " bytes, sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(utf8)) + "]";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
