package dev.cloister.enclave.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A device file opened with libc's open(2) and driven with ioctl(2) through the Foreign Function
 * &amp; Memory API (no JNI, no helper process). errno is captured by the linker right after each
 * call ({@link Linker.Option#captureCallState}), before the JVM can run anything that would
 * overwrite it.
 *
 * <p>Needs native access ({@code --enable-native-access=ALL-UNNAMED}, as {@code ./cloister} and the
 * tests run with).
 */
@SuppressWarnings("restricted") // calling libc is what this class is for; the JVM runs with --enable-native-access
public final class LinuxDevice implements GuestDevice {
  /** open(2) flags: the same values on x86-64 and arm64 (asm-generic/fcntl.h); the ABI probe checks them. */
  public static final int O_RDWR = 02;
  public static final int O_CLOEXEC = 02000000;
  /** S_IFMT and S_IFCHR of st_mode. */
  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURED = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = CAPTURED.varHandle(PathElement.groupElement("errno"));
  // Both are variadic in libc (open's mode, ioctl's argument): declared so, the call follows the
  // variadic calling convention (on x86-64, %al holds the vector-register count).
  private static final MethodHandle OPEN = LINKER.downcallHandle(
      LINKER.defaultLookup().find("open").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
      Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
  private static final MethodHandle IOCTL = LINKER.downcallHandle(
      LINKER.defaultLookup().find("ioctl").orElseThrow(),
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
      Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
  private static final MethodHandle CLOSE = LINKER.downcallHandle(
      LINKER.defaultLookup().find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));

  private final Path path;
  private int fd;

  private LinuxDevice(Path path, int fd) {
    this.path = path;
    this.fd = fd;
  }

  /** Opens {@code path} read-write, close-on-exec, as the guest drivers require. */
  public static LinuxDevice open(Path path) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURED);
      int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path.toString()), O_RDWR | O_CLOEXEC);
      if (fd < 0) {
        throw new ErrnoException("open", path, (int) ERRNO.get(state, 0L));
      }
      return new LinuxDevice(path, fd);
    } catch (ErrnoException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("open(2) downcall failed", t);
    }
  }

  /**
   * Whether {@code path} is a character device node (what the guest drivers create), following
   * symbolic links; a missing file, a regular file or an unreadable attribute is {@code false}.
   */
  public static boolean isCharacterDevice(Path path) {
    try {
      Object mode = Files.getAttribute(path, "unix:mode");
      return mode instanceof Integer m && (m & S_IFMT) == S_IFCHR;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
      return false;
    }
  }

  @Override
  public Path path() {
    return path;
  }

  @Override
  public synchronized void ioctl(String name, long request, MemorySegment arg) throws ErrnoException {
    if (fd < 0) {
      throw new IllegalStateException(path + " is closed");
    }
    if (!arg.isNative()) {
      throw new IllegalArgumentException("an ioctl argument must be native memory");
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURED);
      int r = (int) IOCTL.invokeExact(state, fd, request, arg);
      if (r == -1) {
        throw new ErrnoException("ioctl " + name, path, (int) ERRNO.get(state, 0L));
      }
    } catch (ErrnoException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("ioctl(2) downcall failed", t);
    }
  }

  @Override
  public synchronized void close() {
    if (fd >= 0) {
      try {
        int ignored = (int) CLOSE.invokeExact(fd); // close(2) on a device: nothing to retry or report
      } catch (Throwable t) {
        throw new IllegalStateException("close(2) downcall failed", t);
      } finally {
        fd = -1;
      }
    }
  }

  @Override
  public String toString() {
    return "LinuxDevice[" + path + (fd < 0 ? ", closed" : "") + "]";
  }
}
