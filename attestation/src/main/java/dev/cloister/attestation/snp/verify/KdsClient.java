package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.TcbVersion;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Fetches VCEKs and CRLs from AMD KDS. Never used unless the caller opts in; the network is
 * injected ({@link HttpsGetter}) so tests use a fake. Fetched resources are written through to a
 * {@link KdsCache} when one is given, so later verifications run offline.
 */
public final class KdsClient implements CertificateSource {
  /** AMD's public KDS. */
  public static final URI AMD_KDS = URI.create("https://kdsintf.amd.com/");

  /** The network, as one call: GET a URI and return the body of a 200 response. */
  @FunctionalInterface
  public interface HttpsGetter {
    byte[] get(URI uri) throws IOException;
  }

  private final URI base;
  private final HttpsGetter getter;
  private final Optional<KdsCache> cache;

  public KdsClient(URI base, HttpsGetter getter, Optional<KdsCache> cache) {
    this.base = Objects.requireNonNull(base, "base");
    this.getter = Objects.requireNonNull(getter, "getter");
    this.cache = Objects.requireNonNull(cache, "cache");
  }

  /** A getter on the JDK HTTP client with timeouts; refuses anything but HTTPS. */
  public static HttpsGetter jdkGetter() {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    return uri -> {
      if (!"https".equals(uri.getScheme())) {
        throw new IOException("KDS must be reached over HTTPS: " + uri);
      }
      try {
        HttpResponse<byte[]> r =
            client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
          throw new IOException("KDS answered HTTP " + r.statusCode() + " for " + uri);
        }
        return r.body();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted fetching " + uri, e);
      }
    };
  }

  @Override
  public Optional<X509Certificate> vcek(ProductLine product, Octets hwid, TcbVersion tcb) throws VerificationException {
    String path = KdsPaths.vcek(product, hwid, tcb);
    byte[] body = fetch(path, "kds.vcek");
    try {
      X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(body));
      writeThrough(path, body);
      return Optional.of(c);
    } catch (GeneralSecurityException e) {
      throw new VerificationException("kds.vcek", "KDS returned a VCEK that does not parse", e);
    }
  }

  @Override
  public Optional<SourcedCrl> crl(ProductLine product) throws VerificationException {
    String path = KdsPaths.crl(product);
    byte[] body = fetch(path, "kds.crl");
    try {
      X509CRL crl = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(body));
      writeThrough(path, body);
      return Optional.of(new SourcedCrl(crl, "AMD KDS " + base.resolve(path)));
    } catch (GeneralSecurityException e) {
      throw new VerificationException("kds.crl", "KDS returned a CRL that does not parse", e);
    }
  }

  private byte[] fetch(String path, String field) throws VerificationException {
    URI uri = base.resolve(path);
    try {
      return getter.get(uri);
    } catch (IOException e) {
      throw new VerificationException(field, "cannot fetch " + uri + ": " + e.getMessage(), e);
    }
  }

  private void writeThrough(String path, byte[] body) {
    cache.ifPresent(c -> {
      try {
        c.store(path, body);
      } catch (IOException e) {
        // A cache that cannot be written only costs a later fetch; the verification itself is unaffected.
      }
    });
  }
}
