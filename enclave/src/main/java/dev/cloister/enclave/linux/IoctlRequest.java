package dev.cloister.enclave.linux;

/**
 * The ioctl request number encoding of the kernel's {@code include/uapi/asm-generic/ioctl.h} (which
 * x86-64 and arm64 use): 8 bits of command number, 8 bits of type, 14 bits of argument size, 2 bits
 * of direction. Computed from the struct size, as {@code _IOWR} does, so a layout that drifts from
 * the kernel's header also changes the request number, and the ABI test catches both.
 */
public final class IoctlRequest {
  public static final int NONE = 0;
  public static final int WRITE = 1;
  public static final int READ = 2;

  static final int NR_BITS = 8;
  static final int TYPE_BITS = 8;
  static final int SIZE_BITS = 14;
  static final int DIR_BITS = 2;
  static final int NR_SHIFT = 0;
  static final int TYPE_SHIFT = NR_SHIFT + NR_BITS;
  static final int SIZE_SHIFT = TYPE_SHIFT + TYPE_BITS;
  static final int DIR_SHIFT = SIZE_SHIFT + SIZE_BITS;

  private IoctlRequest() {}

  /** {@code _IOC(dir, type, nr, size)}, as the unsigned 32-bit value ioctl(2) receives. */
  public static long ioc(int dir, int type, int nr, long size) {
    check(dir, DIR_BITS, "dir");
    check(type, TYPE_BITS, "type");
    check(nr, NR_BITS, "nr");
    if (size < 0 || size >= (1L << SIZE_BITS)) {
      throw new IllegalArgumentException("ioctl argument size " + size + " does not fit the 14-bit size field");
    }
    return ((long) dir << DIR_SHIFT) | ((long) type << TYPE_SHIFT) | ((long) nr << NR_SHIFT) | (size << SIZE_SHIFT);
  }

  /** {@code _IOWR(type, nr, struct)}: the kernel reads the struct and writes it back. */
  public static long iowr(int type, int nr, long size) {
    return ioc(READ | WRITE, type, nr, size);
  }

  /** {@code _IOC_SIZE(request)}. */
  public static long size(long request) {
    return (request >>> SIZE_SHIFT) & ((1L << SIZE_BITS) - 1);
  }

  private static void check(int v, int bits, String name) {
    if (v < 0 || v >= (1 << bits)) {
      throw new IllegalArgumentException("ioctl " + name + " " + v + " does not fit " + bits + " bits");
    }
  }
}
