package dev.cloister.enclave.tsm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The Linux configfs-tsm report interface (Documentation/ABI/testing/configfs-tsm, Linux 6.7+), as
 * files under a root directory, by default {@value #DEFAULT_ROOT}. One report: make a fresh entry
 * under a name no one else uses, read {@code generation}, write {@code privlevel} (when asked) and
 * {@code inblob}, read {@code outblob}, {@code auxblob} and {@code generation} again, remove the
 * entry. The ABI's advice for concurrent writers is exactly this: a private entry, and a generation
 * that moved by exactly our own writes; when it moved by more, the report may answer someone else's
 * inblob, so it is thrown away and the whole report retried, a bounded number of times.
 *
 * <p>The kernel's failures arrive as errno on the file operations: ENXIO on mkdir (no provider),
 * EIO on reading outblob (the provider or firmware failed), EINVAL (privlevel out of range, no
 * inblob). Java reports them as {@link FileSystemException}s whose reason is the C library's
 * {@code strerror} text, which is what is matched here.
 */
public final class ConfigfsTsm {
  public static final String DEFAULT_ROOT = "/sys/kernel/config/tsm/report";
  /** TSM_INBLOB_MAX: the report data the caller chooses, exactly this long here. */
  public static final int INBLOB_SIZE = 64;
  /** TSM_OUTBLOB_MAX (SZ_32K): the kernel never returns a larger outblob or auxblob. */
  public static final int BLOB_MAX = 32 * 1024;
  /** TSM_PRIVLEVEL_MAX. */
  public static final int PRIVLEVEL_MAX = 3;
  /** Attempts before a race with another writer is an error. */
  public static final int ATTEMPTS = 3;

  /** The providers whose outblob Cloister reads, with the KBS {@code tee} their evidence is for. */
  public enum Provider {
    /** outblob: the SEV-SNP ATTESTATION_REPORT; auxblob: the GHCB certificate table. */
    SEV_GUEST("sev_guest", "snp"),
    /** outblob: a TDX DCAP quote (version 4 or 5); no auxblob. */
    TDX_GUEST("tdx_guest", "tdx");

    private final String file;
    private final String kbsTee;

    Provider(String file, String kbsTee) {
      this.file = file;
      this.kbsTee = kbsTee;
    }

    /** As the {@code provider} file spells it. */
    public String fileName() {
      return file;
    }

    public String kbsTee() {
      return kbsTee;
    }
  }

  /** What one report entry gave: the provider, the blobs as read, and the generation they belong to. */
  public record Report(Provider provider, byte[] outblob, byte[] auxblob, long generation) {
    public Report {
      outblob = outblob.clone();
      auxblob = auxblob.clone();
    }

    @Override
    public byte[] outblob() {
      return outblob.clone();
    }

    /** Empty when the provider gives none (TDX) or the host had no certificates. */
    @Override
    public byte[] auxblob() {
      return auxblob.clone();
    }

    @Override
    public String toString() {
      return "Report[" + provider.fileName() + ", outblob " + outblob.length + " bytes, auxblob " + auxblob.length + " bytes, generation "
          + generation + "]";
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private final Path root;

  public ConfigfsTsm(Path root) {
    this.root = Objects.requireNonNull(root, "root");
  }

  public static ConfigfsTsm atDefaultRoot() {
    return new ConfigfsTsm(Path.of(DEFAULT_ROOT));
  }

  public Path root() {
    return root;
  }

  /** Whether the report directory exists at all (a cheap check, before any entry is made). */
  public boolean present() {
    return Files.isDirectory(root);
  }

  /** The registered provider, read from a fresh entry that is removed again. */
  public Provider provider() throws TsmException {
    requireRoot();
    Path entry = makeEntry();
    try {
      return provider(entry);
    } finally {
      removeQuietly(entry);
    }
  }

  /**
   * One report over {@code inblob}.
   *
   * @param inblob exactly {@value #INBLOB_SIZE} bytes, the report data
   * @param privlevel the SEV-SNP VMPL to ask for (0..3), or empty for the provider's default; only
   *     the sev_guest provider has the attribute
   */
  public Report report(byte[] inblob, OptionalInt privlevel) throws TsmException {
    if (inblob.length != INBLOB_SIZE) {
      throw new TsmException.BadBlob("inblob", "must be exactly " + INBLOB_SIZE + " bytes, got " + inblob.length);
    }
    if (privlevel.isPresent() && (privlevel.getAsInt() < 0 || privlevel.getAsInt() > PRIVLEVEL_MAX)) {
      throw new TsmException.BadBlob("privlevel", "must be 0.." + PRIVLEVEL_MAX + ", got " + privlevel.getAsInt());
    }
    requireRoot();
    long expected = 0;
    long seen = 0;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      Path entry = makeEntry();
      try {
        Provider provider = provider(entry);
        if (privlevel.isPresent() && provider != Provider.SEV_GUEST) {
          throw new TsmException.BadBlob("privlevel", "only the sev_guest provider takes a privilege level, this is " + provider.fileName());
        }
        long before = generation(entry);
        int writes = 0;
        if (privlevel.isPresent()) {
          write(entry.resolve("privlevel"), Integer.toString(privlevel.getAsInt()).getBytes(StandardCharsets.US_ASCII));
          writes++;
        }
        write(entry.resolve("inblob"), inblob);
        writes++;
        byte[] out = readBlob(entry.resolve("outblob"), provider, true);
        byte[] aux = readBlob(entry.resolve("auxblob"), provider, false);
        long after = generation(entry);
        expected = before + writes;
        seen = after;
        if (after == expected) {
          checkOutblob(provider, out);
          return new Report(provider, out, aux, after);
        }
      } finally {
        removeQuietly(entry);
      }
    }
    throw new TsmException.Raced(root, ATTEMPTS, expected, seen);
  }

  private void requireRoot() throws TsmException {
    if (!Files.isDirectory(root)) {
      throw new TsmException.Unavailable(root);
    }
  }

  /** A name no other process picks: ours and 96 random bits. */
  private Path makeEntry() throws TsmException {
    byte[] nonce = new byte[12];
    RANDOM.nextBytes(nonce);
    Path entry = root.resolve("cloister-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(nonce));
    try {
      Files.createDirectory(entry);
      return entry;
    } catch (FileSystemException e) {
      if ("No such device or address".equals(e.getReason())) {
        throw new TsmException.NoProvider(entry);
      }
      throw new TsmException.Io(entry, "mkdir failed: " + reason(e), e);
    } catch (IOException e) {
      throw new TsmException.Io(entry, "mkdir failed: " + e.getMessage(), e);
    }
  }

  /**
   * rmdir, whatever happened before. A failure here cannot be reported over the exception that may
   * be in flight, and the entry holds nothing secret (inblob is the caller's public report data).
   */
  private static void removeQuietly(Path entry) {
    try {
      Files.deleteIfExists(entry);
    } catch (IOException e) {
      // left behind: at worst an empty report entry, which the kernel frees on the next rmdir or reboot
    }
  }

  private static Provider provider(Path entry) throws TsmException {
    Path file = entry.resolve("provider");
    String name = text(file);
    for (Provider p : Provider.values()) {
      if (p.fileName().equals(name)) {
        return p;
      }
    }
    throw new TsmException.UnknownProvider(file, name);
  }

  private static long generation(Path entry) throws TsmException {
    Path file = entry.resolve("generation");
    String s = text(file);
    try {
      return Long.parseUnsignedLong(s);
    } catch (NumberFormatException e) {
      throw new TsmException.Io(file, "not a decimal counter: '" + s + "'", null);
    }
  }

  /** A text attribute, as sysfs_emit writes it: one line. */
  private static String text(Path file) throws TsmException {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(readUpTo(in, 256), StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new TsmException.Io(file, "cannot read: " + reason(e), e);
    }
  }

  private static void write(Path file, byte[] bytes) throws TsmException {
    try {
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new TsmException.Io(file, "write refused: " + reason(e), e);
    }
  }

  /**
   * Reads a blob to its end, refusing more than the kernel can return. An auxblob that is not there
   * (providers without one hide it) reads as empty.
   */
  private static byte[] readBlob(Path file, Provider provider, boolean required) throws TsmException {
    byte[] b;
    try (InputStream in = Files.newInputStream(file)) {
      b = readUpTo(in, BLOB_MAX + 1);
    } catch (NoSuchFileException e) {
      if (required) {
        throw new TsmException.Io(file, "missing", e);
      }
      return new byte[0];
    } catch (IOException e) {
      if ("Input/output error".equals(reason(e))) {
        throw new TsmException.ProviderFailed(file, provider.fileName());
      }
      throw new TsmException.Io(file, "cannot read: " + reason(e), e);
    }
    if (b.length > BLOB_MAX) {
      throw new TsmException.BadBlob(file.getFileName().toString(), "larger than " + BLOB_MAX + " bytes (TSM_OUTBLOB_MAX)");
    }
    return b;
  }

  /**
   * Reads to EOF with plain read calls, at most {@code max} bytes. Not readNBytes: the JDK's file
   * streams trust the file's size for it, and configfs reports a page (or nothing) whatever the blob.
   */
  private static byte[] readUpTo(InputStream in, int max) throws IOException {
    byte[] buf = new byte[max];
    int n = 0;
    while (n < max) {
      int r = in.read(buf, n, max - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return java.util.Arrays.copyOf(buf, n);
  }

  /** The outblob's size as its provider defines it; its content is the verifier's to check. */
  private static void checkOutblob(Provider provider, byte[] out) throws TsmException {
    switch (provider) {
      case SEV_GUEST -> {
        if (out.length != SNP_REPORT_SIZE) {
          throw new TsmException.BadBlob("outblob", out.length + " bytes, a sev_guest outblob is an SNP ATTESTATION_REPORT of " + SNP_REPORT_SIZE
              + " bytes");
        }
      }
      case TDX_GUEST -> {
        if (out.length < TDX_QUOTE_MIN) {
          throw new TsmException.BadBlob("outblob", out.length + " bytes, a tdx_guest outblob is a TDX quote of at least " + TDX_QUOTE_MIN
              + " bytes (header, TD report, signature length)");
        }
      }
    }
  }

  /** SEV-SNP ABI 1.55 Table 22: 0x4A0 bytes for report versions 2, 3 and 5. */
  static final int SNP_REPORT_SIZE = 0x4A0;
  /** Quote header (48) + TDX 1.0 TD report (584) + signature data length (4). */
  static final int TDX_QUOTE_MIN = 48 + 584 + 4;

  private static String reason(IOException e) {
    return e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : String.valueOf(e.getMessage());
  }

  @Override
  public String toString() {
    return "ConfigfsTsm[" + root + "]";
  }
}
