package dev.cloister.enclave.vtpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Response bounds, with hand-made responses (TPM 2.0 Part 3's layouts): a TCP "TPM" that answers
 * fixed bytes, and a FIFO standing in for the character device (one write, one read).
 */
class TpmResponseBoundsTest {
  private static final HexFormat HEX = HexFormat.of();

  /** A one-shot server that reads one command and answers {@code response}; returns its port. */
  private static int answering(byte[] response) throws IOException {
    ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    CompletableFuture.runAsync(() -> {
      try (server; Socket s = server.accept()) {
        byte[] header = s.getInputStream().readNBytes(10);
        s.getInputStream().readNBytes(ByteBuffer.wrap(header, 2, 4).getInt() - 10);
        s.getOutputStream().write(response);
        s.getOutputStream().flush();
        s.getInputStream().read(); // until the client closes
      } catch (IOException e) {
        // the test's assertion says what went wrong
      }
    });
    return server.getLocalPort();
  }

  // TPM2_GetCapability response: ST_NO_SESSIONS, size, TPM_RC_SUCCESS; moreData 0; TPM_CAP_TPM_PROPERTIES;
  // one property: TPM_PT_NV_BUFFER_MAX (0x12c) = 0x400.
  private static final String NV_BUFFER_MAX = "00" + "00000006" + "00000001" + "0000012c" + "00000400";

  private static byte[] response(String body, int extraSize) {
    byte[] b = HEX.parseHex("8001" + "00000000" + "00000000" + body);
    ByteBuffer.wrap(b).putInt(2, b.length + extraSize);
    return b;
  }

  @Test
  void aWellFormedResponseIsRead() throws Exception {
    Tpm tpm = new Tpm(TpmTransport.tcp("127.0.0.1", answering(response(NV_BUFFER_MAX, 0))));
    assertThat(tpm.nvBufferMax()).isEqualTo(0x400);
  }

  @Test
  void trailingBytesAfterTheLastStructureAreRefused() throws Exception {
    Tpm tpm = new Tpm(TpmTransport.tcp("127.0.0.1", answering(response(NV_BUFFER_MAX + "00", 0))));
    assertThatThrownBy(tpm::nvBufferMax).isInstanceOf(TpmException.Malformed.class)
        .hasMessage("TPM2_GetCapability response malformed: 1 trailing bytes");
  }

  @Test
  void aTruncatedStructureIsRefused() throws Exception {
    Tpm tpm = new Tpm(TpmTransport.tcp("127.0.0.1", answering(response(NV_BUFFER_MAX.substring(0, NV_BUFFER_MAX.length() - 2), 0))));
    assertThatThrownBy(tpm::nvBufferMax).isInstanceOf(TpmException.Malformed.class)
        .hasMessage("TPM2_GetCapability response malformed: truncated");
  }

  @Test
  void aHeaderSizeBeyondTheTpmBufferIsRefused() throws Exception {
    byte[] r = response(NV_BUFFER_MAX, 5000);
    Tpm tpm = new Tpm(TpmTransport.tcp("127.0.0.1", answering(r)));
    assertThatThrownBy(tpm::nvBufferMax).isInstanceOf(IOException.class).hasMessageEndingWith(": TPM response size " + (r.length + 5000) + " out of range");
  }

  @Test
  void anErrorResponseCarryingParametersIsRefused() throws Exception {
    byte[] r = HEX.parseHex("8001" + "0000000e" + "0000018b" + "00000000");
    Tpm tpm = new Tpm(TpmTransport.tcp("127.0.0.1", answering(r)));
    assertThatThrownBy(tpm::nvBufferMax).isInstanceOf(TpmException.Malformed.class)
        .hasMessage("TPM2_GetCapability response malformed: an error response carries 4 bytes after its header");
  }

  /** A FIFO read back what was written to it: the device transport's one write, one read, and its header check. */
  @Test
  void theDeviceTransportChecksTheResponseAgainstItsHeader(@TempDir Path dir) throws Exception {
    Path fifo = dir.resolve("tpmrm0");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    try (TpmTransport device = TpmTransport.device(fifo)) {
      byte[] whole = response(NV_BUFFER_MAX, 0);
      assertThat(device.transmit(whole)).isEqualTo(whole);
      byte[] longer = response(NV_BUFFER_MAX, -2);
      assertThatThrownBy(() -> device.transmit(longer)).isInstanceOf(IOException.class)
          .hasMessage(fifo + ": TPM response header says " + (longer.length - 2) + " bytes, " + longer.length + " arrived");
    }
    assertThat(Files.exists(fifo)).isTrue();
  }
}
