package dev.cloister.enclave.tsm;

import java.nio.file.Path;

/**
 * Why configfs-tsm gave no usable report. Each kind names the path or file that failed; none
 * carries report bytes.
 */
public abstract sealed class TsmException extends Exception {
  private TsmException(String message, Throwable cause) {
    super(message, cause);
  }

  /** No {@code tsm/report} directory: configfs not mounted, or a kernel without configfs-tsm. */
  public static final class Unavailable extends TsmException {
    public Unavailable(Path root) {
      super(root + " does not exist: configfs-tsm needs configfs mounted at /sys/kernel/config and Linux 6.7+ with a TSM provider"
          + " (sev_guest or tdx_guest)", null);
    }
  }

  /** The directory exists but no provider is registered: the kernel refuses mkdir with ENXIO. */
  public static final class NoProvider extends TsmException {
    public NoProvider(Path entry) {
      super("mkdir " + entry + ": no TSM provider registered (ENXIO): this guest has no sev_guest or tdx_guest driver loaded", null);
    }
  }

  /** A provider whose outblob format Cloister does not read. */
  public static final class UnknownProvider extends TsmException {
    public UnknownProvider(Path file, String name) {
      super(file + ": unknown provider '" + name + "' (known: sev_guest, tdx_guest)", null);
    }
  }

  /** A blob of the wrong size: inblob not 64 bytes, outblob short for its provider or over the kernel's limit. */
  public static final class BadBlob extends TsmException {
    public BadBlob(String file, String problem) {
      super(file + ": " + problem, null);
    }
  }

  /** The provider failed to produce a report (EIO: firmware or host error). */
  public static final class ProviderFailed extends TsmException {
    public ProviderFailed(Path file, String provider) {
      super(file + ": the " + provider + " provider failed to produce a report (EIO); the guest's kernel log names the firmware error", null);
    }
  }

  /** Another writer changed the entry between our writes and our read, on every attempt. */
  public static final class Raced extends TsmException {
    public Raced(Path root, int attempts, long expected, long seen) {
      super(root + ": generation moved behind our writes on each of " + attempts + " attempts (last: expected " + expected + ", read " + seen
          + "); another process is writing to our report entries", null);
    }
  }

  /** The report does not carry the report data written to inblob: a device that ignores its input. */
  public static final class WrongBinding extends TsmException {
    public WrongBinding(String field) {
      super("outblob: " + field + " is not the 64 bytes written to inblob; the device ignored inblob, refusing its report", null);
    }
  }

  /** Any other I/O failure on a configfs-tsm file, with the file named. */
  public static final class Io extends TsmException {
    public Io(Path file, String what, Throwable cause) {
      super(file + ": " + what, cause);
    }
  }
}
