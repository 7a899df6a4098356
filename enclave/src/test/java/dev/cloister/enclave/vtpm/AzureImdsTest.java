package dev.cloister.enclave.vtpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.cloister.attestation.testing.Vectors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The VCEK from an IMDS-shaped endpoint: {@code GET /metadata/THIM/amd/certification} with
 * {@code Metadata: true}, answering JSON whose {@code vcekCert} is PEM (Microsoft's az-snp-vtpm
 * crate, {@code imds.rs}); here it serves Trustee's captured Azure VCEK.
 */
class AzureImdsTest {
  private HttpServer server;
  private X509Certificate vcek;

  @BeforeEach
  void serve() throws Exception {
    List<? extends java.security.cert.Certificate> certs = List.copyOf(CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(Vectors.read("trustee/deps/verifier/test_data/az-snp-vtpm/vcek.pem"))));
    vcek = (X509Certificate) certs.getFirst();
    String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(vcek.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
    String body = "{\"vcekCert\":" + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(pem)
        + ",\"certificateChain\":\"\",\"tcbm\":\"DB18000000000004\"}";
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/metadata/THIM/amd/certification", x -> {
      byte[] answer = "true".equals(x.getRequestHeaders().getFirst("Metadata")) ? body.getBytes(StandardCharsets.UTF_8) : new byte[0];
      x.sendResponseHeaders(answer.length > 0 ? 200 : 400, answer.length > 0 ? answer.length : -1);
      x.getResponseBody().write(answer);
      x.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  @Test
  void theVcekComesFromVcekCertAskedWithTheMetadataHeader() throws Exception {
    assertThat(AzureImds.vcek(uri("/metadata/THIM/amd/certification")).vcek(null)).isEqualTo(vcek);
  }

  @Test
  void anotherAnswerThan200IsAnError() {
    String at = uri("/metadata/THIM/none").toString();
    assertThatThrownBy(() -> AzureImds.vcek(URI.create(at)).vcek(null)).isInstanceOf(IOException.class)
        .hasMessage("Azure IMDS " + at + " answered HTTP 404 for the VCEK");
  }
}
