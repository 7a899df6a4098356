package dev.cloister.enclave.linux;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A device for tests: each ioctl goes to a {@link Driver} that plays the kernel's part, reading
 * the caller's struct and the buffers its pointers name and writing its answer into them, as the
 * driver's copy_from_user/copy_to_user would.
 */
@SuppressWarnings("restricted") // a fake driver reaches user memory by address, as the kernel does
public final class FakeDevice implements GuestDevice {
  @FunctionalInterface
  public interface Driver {
    /** Returns normally for ioctl's 0; throws for -1 with that errno. */
    void ioctl(FakeDevice device, long request, MemorySegment arg) throws ErrnoException;
  }

  private final Path path;
  private final Driver driver;
  private final List<Long> requests = new ArrayList<>();
  private boolean closed;
  private String current;

  public FakeDevice(Path path, Driver driver) {
    this.path = path;
    this.driver = driver;
  }

  /** The user memory at a pointer the caller's struct holds (what copy_from_user/copy_to_user reach). */
  public static MemorySegment user(long address, long size) {
    if (address == 0) {
      throw new IllegalArgumentException("NULL user pointer");
    }
    return MemorySegment.ofAddress(address).reinterpret(size);
  }

  /** The errno failure of the ioctl in progress, as the kernel's return of -errno becomes ioctl's -1. */
  public ErrnoException errno(int errno) {
    return new ErrnoException("ioctl " + current, path, errno);
  }

  public List<Long> requests() {
    return List.copyOf(requests);
  }

  public boolean closed() {
    return closed;
  }

  @Override
  public Path path() {
    return path;
  }

  @Override
  public void ioctl(String name, long request, MemorySegment arg) throws ErrnoException {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    requests.add(request);
    current = name;
    driver.ioctl(this, request, arg);
  }

  @Override
  public void close() {
    closed = true;
  }
}
