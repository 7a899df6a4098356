package dev.cloister.enclave.vtpm;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;

/**
 * Azure's Instance Metadata Service, reachable only from inside an Azure VM: the VCEK of an SEV-SNP
 * CVM's chip, which Azure's host caches (THIM), as Microsoft's az-snp-vtpm crate fetches it
 * ({@code GET /metadata/THIM/amd/certification} with {@code Metadata: true}; JSON {@code vcekCert},
 * PEM).
 */
public final class AzureImds {
  public static final URI THIM_AMD_CERTIFICATION = URI.create("http://169.254.169.254/metadata/THIM/amd/certification");

  private AzureImds() {}

  /** The VCEK from Azure's IMDS. */
  public static AzureVtpmPlatform.VcekSource vcek() {
    return vcek(THIM_AMD_CERTIFICATION);
  }

  /** The VCEK from an IMDS-compatible endpoint at {@code uri}. */
  public static AzureVtpmPlatform.VcekSource vcek(URI uri) {
    return report -> {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      HttpRequest req = HttpRequest.newBuilder(uri).header("Metadata", "true").timeout(Duration.ofSeconds(30)).GET().build();
      HttpResponse<byte[]> res;
      try {
        res = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while asking Azure IMDS for the VCEK", e);
      }
      if (res.statusCode() != 200) {
        throw new IOException("Azure IMDS " + uri + " answered HTTP " + res.statusCode() + " for the VCEK");
      }
      JsonNode pem;
      try {
        pem = dev.cloister.attestation.json.StrictJson.object(res.body(), "imds").path("vcekCert");
      } catch (dev.cloister.attestation.MalformedEvidenceException e) {
        throw new IOException("Azure IMDS " + uri + ": " + e.getMessage(), e);
      }
      if (!pem.isTextual()) {
        throw new IOException("Azure IMDS " + uri + ": no vcekCert in the answer");
      }
      try {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.asText().getBytes(StandardCharsets.US_ASCII)));
      } catch (CertificateException e) {
        throw new IOException("Azure IMDS " + uri + ": vcekCert is not a certificate", e);
      }
    };
  }
}
