package dev.cloister.enclave.testing;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.abi.CertTable;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The secure processor behind tsmfs's {@code --socket}: for each report tsmfs asks for, the
 * simulated SEV-SNP platform signs a report over the inblob it was sent (at the requested VMPL),
 * launched with the given measurement and host data, and answers it with the GHCB certificate table
 * of its VCEK, ASK and ARK, as a host's extended report request would.
 */
public final class SimulatedTsmDevice implements AutoCloseable {
  private final ServerSocketChannel server;
  private final Path socket;
  private final Thread thread;
  private final AtomicInteger reports = new AtomicInteger();

  public SimulatedTsmDevice(Path socket, SimulatedSnpPlatform platform, Octets measurement, Octets hostData) throws IOException {
    this.socket = socket;
    Files.deleteIfExists(socket);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    byte[] table;
    try {
      table = new CertTable(List.of(new CertTable.Entry(CertTable.Kind.VCEK, platform.vcek().getEncoded()),
          new CertTable.Entry(CertTable.Kind.ASK, platform.chain().get(0).getEncoded()),
          new CertTable.Entry(CertTable.Kind.ARK, platform.chain().get(1).getEncoded()))).encode();
    } catch (CertificateEncodingException e) {
      throw new IOException(e);
    }
    // A platform thread, not a virtual one: a job's virtual threads sit in FUSE system calls that
    // wait for this answer, and may hold every carrier thread while they do.
    thread = Thread.ofPlatform().daemon().name("simulated-tsm-device").start(() -> {
      while (server.isOpen()) {
        try (SocketChannel c = server.accept()) {
          DataInputStream in = new DataInputStream(Channels.newInputStream(c));
          int privlevel = in.readInt();
          byte[] inblob = in.readNBytes(in.readInt());
          byte[] report = platform.report(SimulatedSnpPlatform.ReportRequest.builder().measurement(measurement).hostData(hostData)
              .reportData(Octets.copyOf(Arrays.copyOf(inblob, 64))).vmpl(privlevel).build()).toByteArray();
          reports.incrementAndGet(); // before answering: once tsmfs has the answer, the test may look
          DataOutputStream out = new DataOutputStream(Channels.newOutputStream(c));
          out.writeInt(report.length);
          out.write(report);
          out.writeInt(table.length);
          out.write(table);
          out.flush();
        } catch (IOException e) {
          // closed, or tsmfs hung up: tsmfs answers EIO and the reader names it
        }
      }
    });
  }

  public Path socket() {
    return socket;
  }

  /** How many reports were signed. */
  public int reports() {
    return reports.get();
  }

  @Override
  public void close() throws IOException, InterruptedException {
    server.close();
    thread.join(5000);
    Files.deleteIfExists(socket);
  }
}
