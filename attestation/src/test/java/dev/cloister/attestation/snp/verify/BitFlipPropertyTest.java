package dev.cloister.attestation.snp.verify;

import static dev.cloister.attestation.snp.verify.RealEvidence.at;
import static dev.cloister.attestation.snp.verify.RealEvidence.cert;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.testing.Vectors;
import java.security.cert.X509Certificate;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property: flipping any single bit of a genuine report, in the signed area or in the signature
 * (zero padding and reserved tail included), makes verification fail with a typed error. Each
 * sample report gets every bit of R and S plus, from a fixed seed so a failure reproduces, a sample
 * of the signed area and of the signature's padding and reserved tail.
 */
class BitFlipPropertyTest {
  private static final long SEED = 0x5EB5EB5EL;
  private static final int SIGNED_AREA_SAMPLES = 400;

  /** Real reports with their VCEK and a time inside its validity (sources in SnpVerifierTest). */
  static Stream<Arguments> flips() {
    String[][] samples = {
      {"go-sev-guest/verify/testdata/attestation.bin", "go-sev-guest/verify/testdata/vcek.testcer", "2023-07-01T00:00:00Z"},
      {"trustee/deps/verifier/test_data/snp/test-vlek-report.bin", "trustee/deps/verifier/test_data/snp/test-vlek.der", "2025-06-01T00:00:00Z"},
    };
    Random random = new Random(SEED);
    return Stream.of(samples).flatMap(s -> {
      int sig = SnpReport.SIGNED_LENGTH * 8;
      IntStream r = IntStream.range(sig, sig + 48 * 8);
      IntStream sComponent = IntStream.range(sig + 72 * 8, sig + 120 * 8);
      IntStream rest = random.ints(SIGNED_AREA_SAMPLES, sig, SnpReport.SIZE * 8);
      IntStream signed = random.ints(SIGNED_AREA_SAMPLES, 0, sig);
      return Stream.of(signed, r, sComponent, rest).flatMapToInt(x -> x)
          .mapToObj(bit -> Arguments.of(s[0], s[1], s[2], bit));
    });
  }

  @ParameterizedTest(name = "{0} bit {3}")
  @MethodSource("flips")
  void anySingleBitFlipIsRejected(String report, String vek, String time, int bit) throws Exception {
    byte[] raw = Vectors.read(report);
    X509Certificate cert = cert(vek);
    raw[bit / 8] ^= (byte) (1 << (bit % 8));
    assertThatThrownBy(() -> SnpVerifier.verify(SnpEvidence.of(SnpReport.parse(raw), cert), at(time)))
        .isInstanceOf(AttestationException.class);
  }
}
