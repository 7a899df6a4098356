package dev.cloister.attestation.dcap.tcb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.testing.Vectors;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The PCS/PCCS client against a fake network serving dcap-rs@d847b8f's captured PCS responses for
 * FMSPC 00806f050000 (testdata/vectors INDEX.md §2): the same verdict as the offline files.
 */
class PcsClientTest {
  static final String D = "dcap-rs/data/";
  static final Clock AT = Clock.fixed(Instant.ofEpochSecond(1739419232), ZoneOffset.UTC);

  final List<URI> asked = new ArrayList<>();

  PcsClient.HttpsGetter fake(boolean withChainHeaders) {
    String chain = URLEncoder.encode(new String(Vectors.read(D + "tcb_signing_cert.pem"), StandardCharsets.US_ASCII), StandardCharsets.UTF_8);
    return uri -> {
      asked.add(uri);
      String u = uri.toString();
      Map<String, String> headers = withChainHeaders ? Map.of("TCB-Info-Issuer-Chain", chain, "SGX-Enclave-Identity-Issuer-Chain", chain) : Map.of();
      byte[] body;
      if (u.contains("/tdx/certification/v4/tcb?fmspc=00806f050000")) {
        body = Vectors.read(D + "tcbinfov3_00806f050000.json");
      } else if (u.contains("/tdx/certification/v4/qe/identity")) {
        body = Vectors.read(D + "qeidentityv2_apiv4.json");
      } else if (u.contains("/sgx/certification/v4/pckcrl?ca=platform&encoding=der")) {
        body = Vectors.read(D + "pck_platform_crl.der");
      } else if (u.endsWith("/sgx/certification/v4/rootcacrl")) {
        body = HexFormat.of().formatHex(Vectors.read(D + "intel_root_ca_crl.der")).getBytes(StandardCharsets.US_ASCII);
      } else if (uri.equals(PcsClient.INTEL_ROOT_CRL)) {
        body = Vectors.read(D + "intel_root_ca_crl.der");
      } else {
        throw new IOException("HTTP 404");
      }
      return new PcsClient.Response(body, name -> headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst());
    };
  }

  DcapQuote quote() throws Exception {
    return DcapQuote.parse(Vectors.read(D + "quote_tdx_00806f050000.dat"));
  }

  @Test
  void pccsCollateralGivesTheOfflineVerdict() throws Exception {
    IntelCollateral c = new PcsClient(URI.create("https://pccs.example:8081/"), fake(true)).collateralFor(quote());
    var v = CollateralVerifier.intel(AT).verify(Vectors.read(D + "quote_tdx_00806f050000.dat"), c);
    assertThat(v.tcb().status()).isEqualTo(TcbStatus.OUT_OF_DATE);
    assertThat(asked).extracting(URI::toString).contains("https://pccs.example:8081/sgx/certification/v4/rootcacrl");
  }

  @Test
  void intelPcsTakesTheRootCrlFromIntelsDistributionPoint() throws Exception {
    IntelCollateral c = new PcsClient(PcsClient.INTEL_PCS, fake(true)).collateralFor(quote());
    assertThat(CollateralVerifier.intel(AT).verify(quote(), c).status()).isEqualTo(TcbStatus.OUT_OF_DATE);
    assertThat(asked).contains(PcsClient.INTEL_ROOT_CRL, URI.create("https://api.trustedservices.intel.com/tdx/certification/v4/tcb?fmspc=00806f050000"));
  }

  @Test
  void missingIssuerChainHeaderIsATypedError() {
    assertThatThrownBy(() -> new PcsClient(PcsClient.INTEL_PCS, fake(false)).collateralFor(quote()))
        .isInstanceOf(MalformedEvidenceException.class)
        .hasMessageContaining("TCB-Info-Issuer-Chain");
  }

  @Test
  void networkFailureNamesWhatWasFetched() {
    assertThatThrownBy(() -> new PcsClient(PcsClient.INTEL_PCS, uri -> {
      throw new IOException("connection refused");
    }).collateralFor(quote())).isInstanceOf(VerificationException.class).hasMessageContaining("pcs.tcb");
  }

  @Test
  void theJdkGetterRefusesPlainHttp() {
    assertThatThrownBy(() -> PcsClient.jdkGetter().get(URI.create("http://pccs.example/"))).isInstanceOf(IOException.class).hasMessageContaining("HTTPS");
  }
}
