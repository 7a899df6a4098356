package dev.cloister.attestation.dcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.testing.Vectors;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The cryptographic chain of every real TDX and SGX quote in testdata/vectors (INDEX.md §2, §3), at a
 * time inside the PCK certificate's validity: go-tdx-guest@91f9a52 (SPR E4 v4 at 2023-07-01,
 * TestRawQuoteVerifyWithoutCollateral; v5 at 2026-02-03; GCE COS-113), dcap-qvl@9bffe30 (TDX and SGX
 * samples), dcap-rs@d847b8f (TDX v4, SGX v3), and Trustee's TDX and Occlum SGX quotes.
 */
class DcapVerifierTest {
  static Clock at(String t) {
    return Clock.fixed(Instant.parse(t), ZoneOffset.UTC);
  }

  static byte[] read(String f) {
    byte[] b = Vectors.read(f);
    if (f.endsWith(".hex")) {
      String s = new String(b).strip();
      return HexFormat.of().parseHex(s.startsWith("0x") ? s.substring(2) : s);
    }
    return b;
  }

  static Stream<Arguments> quotes() {
    return Stream.of(
        Arguments.of("go-tdx-guest/testing/testdata/tdx_prod_quote_SPR_E4.dat", "2023-07-01T01:00:00Z", 4, true),
        Arguments.of("go-tdx-guest/testing/testdata/quote_v5_sample.dat", "2026-02-03T01:00:00Z", 5, true),
        Arguments.of("go-tdx-guest/testing/testdata/ccel/cos-113-tdx-quote.dat", "2024-08-01T00:00:00Z", 4, true),
        Arguments.of("dcap-qvl/sample/tdx_quote", "2025-07-19T10:00:34Z", 4, true),
        // INDEX.md calls this sample v4; its header says version 5 (bytes 0500 0200 8100 0000).
        Arguments.of("dcap-qvl/sample/tdx_quote_outdated", "2026-03-20T10:41:14Z", 5, true),
        Arguments.of("dcap-qvl/sample/tdx-quote.hex", "2025-01-01T00:00:00Z", 4, true),
        Arguments.of("dcap-qvl/sample/sgx_quote", "2025-07-19T10:01:17Z", 3, false),
        Arguments.of("dcap-rs/data/quote_tdx_00806f050000.dat", "2025-02-13T04:00:32Z", 4, true),
        Arguments.of("dcap-rs/_derived/test_verifyv3_quote.dat", "2025-02-13T04:00:32Z", 3, false),
        Arguments.of("trustee/deps/verifier/test_data/tdx_quote_4.dat", "2024-01-01T00:00:00Z", 4, true),
        Arguments.of("trustee/deps/verifier/test_data/occlum_quote.dat", "2024-01-01T00:00:00Z", 3, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("quotes")
  void realQuotesVerify(String file, String time, int version, boolean tdx) throws Exception {
    VerifiedDcapQuote v = DcapVerifier.verify(read(file), at(time));
    DcapQuote q = v.quote();
    // Each chain ends at Intel's pinned root, so the verifier labels it hardware.
    assertThat(v.platform()).isEqualTo(dev.cloister.attestation.PlatformKind.HARDWARE);
    assertThat(q.version()).isEqualTo(version);
    assertThat(q.tdx()).isEqualTo(tdx);
  }

  @Test
  void sprE4ExpiresWithItsPckChain() {
    // go-tdx-guest TestNegativeVerifyPckChainWithoutRevocation: at 2053 the chain has expired.
    assertThatThrownBy(() -> DcapVerifier.verify(read("go-tdx-guest/testing/testdata/tdx_prod_quote_SPR_E4.dat"), at("2053-01-01T00:00:00Z")))
        .isInstanceOfSatisfying(VerificationException.class, e -> assertThat(e.field()).endsWith(".validity"));
  }

  @Test
  void bitFlipsInTheSignedRegionAndSignaturesAreRejected() throws Exception {
    byte[] quote = read("dcap-qvl/sample/tdx_quote");
    DcapQuote q = DcapQuote.parse(quote);
    int signedEnd = q.signedRegion().length;
    Random r = new Random(4);
    for (int i = 0; i < 200; i++) {
      byte[] bad = quote.clone();
      // the signed region, the quote signature, the attestation key, the QE report and its signature
      int bit = r.nextInt((signedEnd + 4 + 64 + 64 + 6 + 384 + 64) * 8);
      if (bit / 8 >= signedEnd && bit / 8 < signedEnd + 4) {
        continue; // the signature-data length field: a different, but also typed, failure
      }
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThatThrownBy(() -> DcapVerifier.verify(bad, at("2025-07-19T10:00:34Z"))).as("bit " + bit).isInstanceOf(AttestationException.class);
    }
  }

  @Test
  void rootIsPinned() throws Exception {
    DcapQuote q = DcapQuote.parse(read("dcap-qvl/sample/tdx_quote"));
    assertThat(q.pckChain().getLast()).isEqualTo(DcapVerifier.intelRoot());
    assertThatThrownBy(() -> DcapVerifier.verify(q, java.util.List.of(q.pckChain().getFirst()), at("2025-07-19T10:00:34Z")))
        .isInstanceOfSatisfying(VerificationException.class, e -> assertThat(e.field()).isEqualTo("quote.pck_cert_chain.root"));
  }
}
