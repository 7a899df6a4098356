package dev.cloister.enclave.testing;

import dev.cloister.attestation.testing.Vectors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The configfs-tsm stand-in, {@code enclave/src/test/c/tsmfs.c}: built with gcc against libfuse3
 * into this module's {@code target/}, mounted on a directory (as root, through /dev/fuse), unmounted
 * with {@code fusermount3 -u} on {@link #close()}. Its {@link #root()} is what the kernel's
 * {@code /sys/kernel/config/tsm/report} is. A missing compiler or library is a test failure naming
 * what to install, never a skip.
 */
public final class TsmFs implements AutoCloseable {
  private static Path binary;
  private final Path mountpoint;
  private final Process process;
  private final Path log;

  private TsmFs(Path mountpoint, Process process, Path log) {
    this.mountpoint = mountpoint;
    this.process = process;
    this.log = log;
  }

  /** Mounts tsmfs on {@code mountpoint} (created if needed) with tsmfs's own options (see tsmfs.c). */
  public static TsmFs mount(Path mountpoint, List<String> options) throws IOException, InterruptedException {
    Path exe = build();
    Files.createDirectories(mountpoint);
    Path log = Files.createTempFile("tsmfs-", ".log");
    List<String> cmd = new ArrayList<>(List.of(exe.toString()));
    cmd.addAll(options);
    cmd.addAll(List.of(mountpoint.toString(), "-f", "-s"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    TsmFs fs = new TsmFs(mountpoint, p, log);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.isDirectory(fs.root())) {
      if (!p.isAlive()) {
        throw new AssertionError("tsmfs exited (" + p.exitValue() + ") before mounting " + mountpoint + ": " + Files.readString(log)
            + " (it needs root and /dev/fuse)");
      }
      if (System.nanoTime() > deadline) {
        fs.close();
        throw new AssertionError("tsmfs did not mount " + mountpoint + " within 10 s: " + Files.readString(log));
      }
      Thread.sleep(20);
    }
    return fs;
  }

  /** The report directory, as {@code /sys/kernel/config/tsm/report}. */
  public Path root() {
    return mountpoint.resolve("report");
  }

  /** The report entries present now (a reader must leave none behind). */
  public List<String> entries() throws IOException {
    try (var s = Files.list(root())) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    Process u = new ProcessBuilder("fusermount3", "-u", mountpoint.toString()).redirectErrorStream(true).start();
    String out = new String(u.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean unmounted = u.waitFor(10, TimeUnit.SECONDS) && u.exitValue() == 0;
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    Files.deleteIfExists(log);
    if (!unmounted) {
      throw new AssertionError("fusermount3 -u " + mountpoint + " failed: " + out);
    }
  }

  /** Compiles tsmfs.c once per test JVM, into target/ of the module running the tests. */
  private static synchronized Path build() throws IOException, InterruptedException {
    if (binary != null) {
      return binary;
    }
    Path source = Vectors.root().getParent().getParent().resolve("enclave/src/test/c/tsmfs.c");
    if (!Files.isRegularFile(source)) {
      throw new AssertionError("tsmfs source missing: " + source);
    }
    Path exe = Path.of("target").toAbsolutePath().resolve("tsmfs");
    Files.createDirectories(exe.getParent());
    String flags = run(List.of("pkg-config", "--cflags", "--libs", "fuse3"),
        "pkg-config cannot find fuse3: install gcc, pkg-config, fuse3 and libfuse3-dev (scripts/test-deps.sh does)");
    List<String> cc = new ArrayList<>(List.of("gcc", "-Wall", "-Wextra", "-Werror", "-O2", "-o", exe.toString(), source.toString()));
    cc.addAll(List.of(flags.strip().split("\\s+")));
    run(cc, "gcc could not build " + source + ": install gcc and libfuse3-dev (scripts/test-deps.sh does)");
    binary = exe;
    return exe;
  }

  private static String run(List<String> cmd, String failure) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new AssertionError(failure + "\n" + String.join(" ", cmd) + ":\n" + out);
      }
      return out;
    } catch (IOException e) {
      throw new AssertionError(failure + " (" + e.getMessage() + ")", e);
    }
  }
}
