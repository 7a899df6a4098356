package dev.cloister.cleanroom.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.LongConsumer;

/**
 * Encrypts and decrypts datasets as streams, in constant memory: Tink's streaming AEAD
 * authenticates every segment and the position of the last one, so a changed byte, a reordered
 * segment or a truncated file is an error, never silently shorter data. The dataset's name is
 * associated data, so a ciphertext cannot be passed off as another dataset.
 */
public final class DatasetCipher {
  private static final int BUFFER = 1 << 20;

  private DatasetCipher() {}

  /** Thrown when a ciphertext does not decrypt: wrong key, wrong name, changed or truncated. */
  public static final class TamperedException extends Exception {
    public TamperedException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  static byte[] associatedData(String datasetName) {
    return ("cloister-dataset:" + datasetName).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Encrypts {@code in} to {@code out}; {@code progress} receives the plaintext bytes done so far.
   *
   * @return the SHA-256 of the ciphertext, as contracts name datasets
   */
  public static String encrypt(DataKey key, String datasetName, InputStream in, OutputStream out, LongConsumer progress)
      throws IOException, GeneralSecurityException {
    DigestingOutputStream digesting = new DigestingOutputStream(out);
    try (OutputStream enc = key.primitive().newEncryptingStream(digesting, associatedData(datasetName))) {
      copy(in, enc, progress);
    }
    return digesting.hex();
  }

  /** Decrypts {@code in} to {@code out}; nothing already written is trustworthy if this throws. */
  public static void decrypt(DataKey key, String datasetName, InputStream in, OutputStream out, LongConsumer progress)
      throws IOException, GeneralSecurityException, TamperedException {
    try (InputStream dec = key.primitive().newDecryptingStream(in, associatedData(datasetName))) {
      copy(dec, out, progress);
    } catch (IOException e) {
      // Tink reports authentication failures of a segment as IOException.
      throw new TamperedException("dataset '" + datasetName + "' does not decrypt: wrong key or name, or the ciphertext was changed or truncated", e);
    }
  }

  /** Thrown by reads of a {@link #decrypting} stream when the ciphertext does not authenticate. */
  public static final class TamperedStreamException extends IOException {
    TamperedStreamException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The plaintext of {@code in} as a stream, for a reader that consumes it directly (the job parses
   * rows as they decrypt, so the plaintext is never held whole). Every segment is authenticated
   * before its bytes are returned, and truncation is detected at the end: nothing read is
   * trustworthy until the stream has been read to its end without a {@link TamperedStreamException}.
   */
  public static InputStream decrypting(DataKey key, String datasetName, InputStream in) throws GeneralSecurityException, IOException {
    InputStream dec = key.primitive().newDecryptingStream(in, associatedData(datasetName));
    String what = "dataset '" + datasetName + "' does not decrypt: wrong key or name, or the ciphertext was changed or truncated";
    return new java.io.FilterInputStream(dec) {
      @Override
      public int read() throws IOException {
        try {
          return super.read();
        } catch (IOException e) {
          throw new TamperedStreamException(what, e); // Tink reports a segment that fails authentication as IOException
        }
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return super.read(b, off, len);
        } catch (IOException e) {
          throw new TamperedStreamException(what, e);
        }
      }
    };
  }

  private static void copy(InputStream in, OutputStream out, LongConsumer progress) throws IOException {
    byte[] buf = new byte[BUFFER];
    long done = 0;
    int n;
    while ((n = in.read(buf)) > 0) {
      out.write(buf, 0, n);
      done += n;
      progress.accept(done);
    }
  }

  /** SHA-256 of a stream, hex. */
  public static String sha256(InputStream in) throws IOException {
    MessageDigest d = sha256();
    byte[] buf = new byte[BUFFER];
    int n;
    while ((n = in.read(buf)) > 0) {
      d.update(buf, 0, n);
    }
    return HexFormat.of().formatHex(d.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Hashes what passes through, so the ciphertext digest costs no second read. */
  private static final class DigestingOutputStream extends java.io.FilterOutputStream {
    private final MessageDigest digest = sha256();

    DigestingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      digest.update((byte) b);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      digest.update(b, off, len);
      out.write(b, off, len);
    }

    String hex() {
      return HexFormat.of().formatHex(digest.digest());
    }
  }
}
