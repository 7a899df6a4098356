package dev.cloister.enclave.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.enclave.sevguest.SevGuestAbi;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real downcalls, on this machine's kernel: open(2), ioctl(2) and errno capture. */
class LinuxDeviceTest {
  /** asm-generic/ioctls.h; GuestAbiTest checks it against the C headers. */
  static final long FIONREAD = 0x541B;

  @TempDir
  Path dir;

  @Test
  void fionreadOnAFifoCountsTheBytesWaitingInIt() throws Exception {
    Path fifo = dir.resolve("fifo");
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertThat(p.waitFor()).as("mkfifo").isZero();
    try (LinuxDevice dev = LinuxDevice.open(fifo); Arena arena = Arena.ofConfined()) {
      MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
      count.set(ValueLayout.JAVA_INT, 0, -1);
      dev.ioctl("FIONREAD", FIONREAD, count);
      assertThat(count.get(ValueLayout.JAVA_INT, 0)).isZero();
      // Our O_RDWR descriptor is a reader, so opening the write end does not block.
      try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
        out.write(new byte[] {1, 2, 3, 4, 5, 6, 7});
      }
      dev.ioctl("FIONREAD", FIONREAD, count);
      assertThat(count.get(ValueLayout.JAVA_INT, 0)).isEqualTo(7);
    }
  }

  @Test
  void anIoctlTheFileDoesNotKnowFailsWithEnottyCaptured() throws Exception {
    Path file = Files.write(dir.resolve("plain"), new byte[] {42});
    try (LinuxDevice dev = LinuxDevice.open(file); Arena arena = Arena.ofConfined()) {
      MemorySegment io = arena.allocate(SevGuestAbi.SNP_GUEST_REQUEST_IOCTL);
      assertThatThrownBy(() -> dev.ioctl("SNP_GET_REPORT", SevGuestAbi.SNP_GET_REPORT, io))
          .isInstanceOfSatisfying(ErrnoException.class, e -> {
            assertThat(e.errno()).isEqualTo(25);
            assertThat(e.errnoName()).isEqualTo("ENOTTY");
          })
          .hasMessage("ioctl SNP_GET_REPORT on " + file + " failed: ENOTTY (errno 25)");
    }
  }

  @Test
  void openingAMissingDeviceFailsWithEnoent() {
    Path missing = dir.resolve("sev-guest");
    assertThatThrownBy(() -> LinuxDevice.open(missing))
        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(2))
        .hasMessage("open on " + missing + " failed: ENOENT (errno 2)");
  }

  @Test
  void aClosedDeviceRefusesFurtherCalls() throws Exception {
    Path file = Files.write(dir.resolve("plain"), new byte[] {42});
    LinuxDevice dev = LinuxDevice.open(file);
    dev.close();
    dev.close();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
      assertThatThrownBy(() -> dev.ioctl("FIONREAD", FIONREAD, count)).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    }
  }

  @Test
  void presentMeansACharacterDeviceNode() throws IOException {
    assertThat(LinuxDevice.isCharacterDevice(Path.of("/dev/null"))).isTrue();
    assertThat(LinuxDevice.isCharacterDevice(Files.write(dir.resolve("plain"), new byte[0]))).isFalse();
    assertThat(LinuxDevice.isCharacterDevice(dir)).isFalse();
    assertThat(LinuxDevice.isCharacterDevice(dir.resolve("absent"))).isFalse();
  }

  @Test
  void requestNumbersAreTheKernelsEncoding() {
    // Values from the kernel's macros as documented in asm-generic/ioctl.h: dir in bits 30-31,
    // size in 16-29, type in 8-15, nr in 0-7.
    assertThat(IoctlRequest.iowr('S', 0, 32)).isEqualTo(0xC0205300L);
    assertThat(IoctlRequest.ioc(IoctlRequest.NONE, 'T', 1, 0)).isEqualTo(0x5401L);
    assertThat(IoctlRequest.size(0xC4405401L)).isEqualTo(1088);
    assertThatThrownBy(() -> IoctlRequest.iowr('S', 0, 1 << 14)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("14-bit");
  }
}
