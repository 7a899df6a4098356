package dev.cloister.enclave.vtpm;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Carries one marshalled TPM 2.0 command to a TPM and brings back its response, whole. Each
 * transport checks the response's header: at least the 10-byte header, its size field equal to the
 * bytes received, nothing after them.
 */
public sealed interface TpmTransport extends AutoCloseable permits TpmTransport.Device, TpmTransport.Tcp {
  /** TPM 2.0's largest command or response on Linux (the kernel's TPM_BUFSIZE). */
  int MAX_RESPONSE = 4096;
  int HEADER = 10;

  /** The Linux kernel's resource-managed TPM, where a process owns its transient objects and sessions. */
  Path TPMRM0 = Path.of("/dev/tpmrm0");

  byte[] transmit(byte[] command) throws IOException;

  @Override
  void close() throws IOException;

  /** Opens a character device such as {@code /dev/tpmrm0}. */
  static Device device(Path path) throws IOException {
    return new Device(path, FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
  }

  /** swtpm's (or any TCP TPM's) data channel: raw commands, no framing; see {@link Tcp}. */
  static Tcp tcp(String host, int port) {
    return new Tcp(new InetSocketAddress(host, port));
  }

  /**
   * The kernel's TPM character device: one {@code write} of the whole command, then one {@code read}
   * returns the whole response (tpm-dev-common.c); a short write or a response longer than its header
   * says is refused.
   */
  final class Device implements TpmTransport {
    private final Path path;
    private final FileChannel channel;

    private Device(Path path, FileChannel channel) {
      this.path = path;
      this.channel = channel;
    }

    @Override
    public synchronized byte[] transmit(byte[] command) throws IOException {
      int written = channel.write(ByteBuffer.wrap(command));
      if (written != command.length) {
        throw new IOException(path + ": short write of a TPM command (" + written + " of " + command.length + " bytes)");
      }
      ByteBuffer in = ByteBuffer.allocate(MAX_RESPONSE + 1);
      int n = channel.read(in);
      if (n < 0) {
        throw new EOFException(path + ": no TPM response");
      }
      return checked(Arrays.copyOf(in.array(), n), path.toString());
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }

    @Override
    public String toString() {
      return "TPM device " + path;
    }
  }

  /**
   * A TPM on a TCP data channel, as {@code swtpm socket --tpm2 --server type=tcp,port=P} serves it:
   * the raw command, then the response read by its header's size. swtpm serves one client at a time,
   * so each command has its own connection and none is held between commands.
   */
  final class Tcp implements TpmTransport {
    private static final int TIMEOUT_MS = 30_000;
    private final InetSocketAddress address;

    private Tcp(InetSocketAddress address) {
      this.address = address;
    }

    @Override
    public byte[] transmit(byte[] command) throws IOException {
      try (Socket s = new Socket()) {
        s.connect(address, TIMEOUT_MS);
        s.setSoTimeout(TIMEOUT_MS);
        OutputStream out = s.getOutputStream();
        out.write(command);
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] header = new byte[HEADER];
        in.readFully(header);
        int size = ByteBuffer.wrap(header, 2, 4).getInt();
        if (size < HEADER || size > MAX_RESPONSE) {
          throw new IOException(this + ": TPM response size " + Integer.toUnsignedString(size) + " out of range");
        }
        byte[] response = Arrays.copyOf(header, size);
        in.readFully(response, HEADER, size - HEADER);
        return response;
      }
    }

    @Override
    public void close() {
      // no connection is held between commands
    }

    @Override
    public String toString() {
      return "TPM at tcp:" + address.getHostString() + ":" + address.getPort();
    }
  }

  private static byte[] checked(byte[] response, String where) throws IOException {
    if (response.length < HEADER) {
      throw new IOException(where + ": TPM response of " + response.length + " bytes is shorter than its header");
    }
    int size = ByteBuffer.wrap(response, 2, 4).getInt();
    if (size != response.length) {
      throw new IOException(where + ": TPM response header says " + Integer.toUnsignedString(size) + " bytes, " + response.length + " arrived");
    }
    return response;
  }
}
