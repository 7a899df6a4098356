package dev.cloister.attestation.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real TPM 2.0 for tests (the Azure vTPM attester's, in enclave and broker): {@code swtpm socket --tpm2} on two free loopback ports (data P, control
 * P+1, as tpm2-tools' swtpm TCTI expects) with its state in a temp directory, provisioned with
 * tpm2-tools. A missing swtpm or tpm2-tools fails the test, naming scripts/test-deps.sh.
 */
public final class Swtpm implements AutoCloseable {
  private final Path dir;
  private final Process process;
  private final int port;

  private Swtpm(Path dir, Process process, int port) {
    this.dir = dir;
    this.process = process;
    this.port = port;
  }

  public static Swtpm start() throws IOException, InterruptedException {
    requireTool("swtpm");
    requireTool("tpm2_createprimary");
    Path dir = Files.createTempDirectory("cloister-swtpm-");
    Files.createDirectories(dir.resolve("state"));
    String lastLog = "";
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = freePortPair();
      Path log = dir.resolve("swtpm-" + attempt + ".log");
      Process p = new ProcessBuilder("swtpm", "socket", "--tpm2",
          "--server", "type=tcp,port=" + port + ",bindaddr=127.0.0.1",
          "--ctrl", "type=tcp,port=" + (port + 1) + ",bindaddr=127.0.0.1",
          "--tpmstate", "dir=" + dir.resolve("state"),
          "--flags", "not-need-init,startup-clear")
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline && p.isAlive()) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 200);
          return new Swtpm(dir, p, port);
        } catch (IOException notYet) {
          Thread.sleep(50);
        }
      }
      p.destroyForcibly().waitFor();
      lastLog = Files.readString(log);
    }
    deleteTree(dir);
    throw new IllegalStateException("swtpm did not start on a free loopback port (5 attempts): " + lastLog);
  }

  /** The TPM's data channel on 127.0.0.1 (raw TPM 2.0 commands); its control channel is the next port. */
  public int port() {
    return port;
  }

  /** Runs a tpm2-tools command against this TPM; its standard output. */
  public String tool(String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false);
    pb.environment().put("TPM2TOOLS_TCTI", "swtpm:host=127.0.0.1,port=" + port);
    Path err = Files.createTempFile(dir, "tool-", ".err");
    pb.redirectError(err.toFile());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + ": timed out");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + Files.readString(err));
    }
    return out;
  }

  /**
   * An attestation key as Azure's: an RSA-2048 restricted signing key (RSASSA, SHA-256) in the
   * endorsement hierarchy, made persistent at 0x81000003.
   */
  public void provisionAk() throws IOException, InterruptedException {
    Path ctx = dir.resolve("ak.ctx");
    tool("tpm2_createprimary", "-C", "e", "-g", "sha256", "-G", "rsa2048:rsassa-sha256:null",
        "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign|noda", "-c", ctx.toString());
    tool("tpm2_evictcontrol", "-C", "o", "-c", ctx.toString(), "0x81000003");
  }

  /** Defines an owner-readable, owner-writable NV index of exactly {@code data}'s size, and writes it. */
  public void defineAndWrite(int index, byte[] data) throws IOException, InterruptedException {
    define(index, data.length);
    Path file = Files.createTempFile(dir, "nv-", ".bin");
    Files.write(file, data);
    tool("tpm2_nvwrite", "-C", "o", "-i", file.toString(), hex(index));
  }

  public void define(int index, int size) throws IOException, InterruptedException {
    tool("tpm2_nvdefine", "-C", "o", "-s", Integer.toString(size), "-a", "ownerread|ownerwrite", hex(index));
  }

  /** TPM2_PCR_Extend of one SHA-256 PCR. */
  public void extend(int pcr, byte[] digest) throws IOException, InterruptedException {
    tool("tpm2_pcrextend", pcr + ":sha256=" + java.util.HexFormat.of().formatHex(digest));
  }

  private static String hex(int index) {
    return String.format("0x%08x", index);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    deleteTree(dir);
  }

  public static void requireTool(String name) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(d, name))) {
        return;
      }
    }
    throw new IllegalStateException(name + " is not installed: the vTPM tests need swtpm and tpm2-tools (run scripts/test-deps.sh as root)");
  }

  /** Two consecutive free ports P, P+1 (swtpm's data and control channels). */
  private static int freePortPair() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int p;
      try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        p = s.getLocalPort();
      }
      if (p >= 65535) {
        continue;
      }
      try (ServerSocket next = new ServerSocket(p + 1, 1, java.net.InetAddress.getLoopbackAddress())) {
        return p;
      } catch (IOException taken) {
        // try another pair
      }
    }
    throw new IOException("no two consecutive free loopback ports");
  }

  private static void deleteTree(Path p) throws IOException {
    List<Path> all = new ArrayList<>();
    try (var s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(all::add);
    }
    for (Path x : all) {
      Files.deleteIfExists(x);
    }
  }
}
