package dev.cloister.attestation.dcap.tcb;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.dcap.DcapQuote;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * Fetches collateral for a quote from Intel PCS or a PCCS (API v4). Never used unless the caller
 * opts in; the network is injected ({@link HttpsGetter}) so tests use a fake. What it fetches is
 * only input: {@link CollateralVerifier} checks every signature and date as for offline collateral.
 */
public final class PcsClient implements CollateralSource {
  /** Intel's public Provisioning Certification Service. */
  public static final URI INTEL_PCS = URI.create("https://api.trustedservices.intel.com/");
  /** Where Intel publishes the root CA CRL (the CRL distribution point of the pinned root). */
  public static final URI INTEL_ROOT_CRL = URI.create("https://certificates.trustedservices.intel.com/IntelSGXRootCA.der");

  /** A 200 response: its body, and one header looked up case-insensitively. */
  public record Response(byte[] body, java.util.function.Function<String, Optional<String>> header) {}

  /** The network, as one call: GET a URI and return a 200 response, or throw. */
  @FunctionalInterface
  public interface HttpsGetter {
    Response get(URI uri) throws IOException;
  }

  private final URI base;
  private final HttpsGetter getter;

  public PcsClient(URI base, HttpsGetter getter) {
    this.base = Objects.requireNonNull(base, "base");
    this.getter = Objects.requireNonNull(getter, "getter");
  }

  /** A getter on the JDK HTTP client with timeouts; refuses anything but HTTPS. */
  public static HttpsGetter jdkGetter() {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    return uri -> {
      if (!"https".equals(uri.getScheme())) {
        throw new IOException("Intel PCS and PCCS must be reached over HTTPS: " + uri);
      }
      try {
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
          throw new IOException("HTTP " + r.statusCode() + " for " + uri);
        }
        return new Response(r.body(), name -> r.headers().firstValue(name));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted fetching " + uri, e);
      }
    };
  }

  @Override
  public IntelCollateral collateralFor(DcapQuote quote) throws AttestationException {
    String tee = quote.tdx() ? "tdx" : "sgx";
    String fmspc = PckExtensions.of(quote.pckChain().getFirst()).fmspc().hex();
    String issuer = quote.pckChain().getFirst().getIssuerX500Principal().getName();
    String ca = issuer.contains("Processor") ? "processor" : "platform";
    Response tcb = get(tee + "/certification/v4/tcb?fmspc=" + fmspc, "pcs.tcb");
    Response qe = get(tee + "/certification/v4/qe/identity", "pcs.qe_identity");
    Response pckCrl = get("sgx/certification/v4/pckcrl?ca=" + ca + "&encoding=der", "pcs.pck_crl");
    byte[] rootCrl;
    if (base.equals(INTEL_PCS)) {
      rootCrl = fetch(INTEL_ROOT_CRL, "pcs.root_ca_crl").body();
    } else {
      // A PCCS serves the root CA CRL itself, hex-encoded.
      String hex = new String(get("sgx/certification/v4/rootcacrl", "pcs.root_ca_crl").body(), StandardCharsets.US_ASCII).strip();
      try {
        rootCrl = HexFormat.of().parseHex(hex);
      } catch (IllegalArgumentException e) {
        throw new MalformedEvidenceException("pcs.root_ca_crl", "the PCCS root CA CRL is not hex");
      }
    }
    return IntelCollateral.fromPcsResponses(tcb.body(), header(tcb, "pcs.tcb", "TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"), qe.body(),
        header(qe, "pcs.qe_identity", "SGX-Enclave-Identity-Issuer-Chain"), rootCrl, pckCrl.body());
  }

  private Response get(String path, String field) throws VerificationException {
    return fetch(base.resolve(path), field);
  }

  private Response fetch(URI uri, String field) throws VerificationException {
    try {
      return getter.get(uri);
    } catch (IOException e) {
      throw new VerificationException(field, "cannot fetch " + uri + ": " + e.getMessage());
    }
  }

  private static String header(Response r, String field, String... names) throws MalformedEvidenceException {
    for (String n : names) {
      Optional<String> v = r.header().apply(n);
      if (v.isPresent()) {
        return URLDecoder.decode(v.get(), StandardCharsets.UTF_8);
      }
    }
    throw new MalformedEvidenceException(field + "." + names[0], "header missing");
  }
}
