package dev.cloister.enclave.linux;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** A system call on a device file failed; carries the errno the kernel set and its symbolic name. */
public final class ErrnoException extends IOException {
  // x86-64 and arm64 share the asm-generic errno numbers; only the ones these devices return are named.
  private static final Map<Integer, String> NAMES = Map.ofEntries(
      Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"), Map.entry(5, "EIO"), Map.entry(6, "ENXIO"), Map.entry(9, "EBADF"),
      Map.entry(11, "EAGAIN"), Map.entry(12, "ENOMEM"), Map.entry(13, "EACCES"), Map.entry(14, "EFAULT"),
      Map.entry(16, "EBUSY"), Map.entry(19, "ENODEV"), Map.entry(21, "EISDIR"), Map.entry(22, "EINVAL"),
      Map.entry(25, "ENOTTY"), Map.entry(28, "ENOSPC"), Map.entry(61, "ENODATA"), Map.entry(63, "ENOSR"),
      Map.entry(74, "EBADMSG"), Map.entry(90, "EMSGSIZE"), Map.entry(95, "EOPNOTSUPP"), Map.entry(110, "ETIMEDOUT"));

  public static final int EIO = 5;
  public static final int ENOENT = 2;
  public static final int EACCES = 13;
  public static final int EINVAL = 22;
  public static final int ENOTTY = 25;
  public static final int EMSGSIZE = 90;

  private final String operation;
  private final Path path;
  private final int errno;

  public ErrnoException(String operation, Path path, int errno) {
    super(operation + " on " + path + " failed: " + name(errno) + " (errno " + errno + ")");
    this.operation = operation;
    this.path = path;
    this.errno = errno;
  }

  /** The symbolic name ({@code EIO}), or {@code errno N} for one this class does not name. */
  public static String name(int errno) {
    return NAMES.getOrDefault(errno, "errno " + errno);
  }

  public int errno() {
    return errno;
  }

  public String errnoName() {
    return name(errno);
  }

  /** {@code open} or {@code ioctl NAME}. */
  public String operation() {
    return operation;
  }

  public Path path() {
    return path;
  }
}
