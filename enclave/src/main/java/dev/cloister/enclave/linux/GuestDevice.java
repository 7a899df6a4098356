package dev.cloister.enclave.linux;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * An open device file, seen only through ioctl(2): the seam between an attester's marshalling and
 * the kernel. {@link LinuxDevice} is the real one; tests give a fake that reads the request and
 * writes its answer into the caller's native memory exactly where the kernel's driver would.
 *
 * <p>Structs handed to {@link #ioctl} hold native addresses of further buffers (the kernel's
 * {@code __u64} pointers), so the argument and every buffer it points to must be native memory
 * that stays alive for the call.
 */
public interface GuestDevice extends AutoCloseable {
  /** The device file, for messages. */
  Path path();

  /**
   * ioctl(fd, request, arg): returns when the call returned 0.
   *
   * @param name the request's name in the kernel header, for messages (e.g. {@code SNP_GET_REPORT})
   * @throws ErrnoException when the call returned -1, with the errno it set
   */
  void ioctl(String name, long request, MemorySegment arg) throws ErrnoException;

  @Override
  void close();
}
