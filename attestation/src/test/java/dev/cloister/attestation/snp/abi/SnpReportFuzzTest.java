package dev.cloister.attestation.snp.abi;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.appraise.SnpClaims;
import dev.cloister.attestation.snp.evidence.SnpEvidenceCodec;
import java.util.Optional;

/**
 * Fuzzes the report parser (and the evidence decoder in front of it): any input either parses, and
 * then round-trips and every accessor works, or fails with the typed parse error. Nothing else may
 * escape. Run for a bounded time in the build by the surefire execution {@code fuzz}
 * (JAZZER_FUZZ=1); otherwise it replays its corpus as a regression test.
 */
class SnpReportFuzzTest {
  private static final byte[] TEMPLATE;

  static {
    try {
      TEMPLATE = SnpReport.builder()
          .measurement(Octets.fromHex("ab".repeat(48)))
          .reportedTcb(TcbVersion.of(ProductLine.MILAN, 0, 3, 0, 8, 115))
          .cpuid(new Cpuid(0x19, 1, 1))
          .build()
          .toByteArray();
    } catch (MalformedEvidenceException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @FuzzTest(maxDuration = "30s")
  void parseNeverThrowsAnythingButTheTypedError(FuzzedDataProvider data) {
    byte[] input;
    int mode = data.consumeInt(0, 2);
    if (mode == 0) {
      input = data.consumeRemainingAsBytes(); // arbitrary bytes, any length
    } else {
      // A valid report with fuzzer-chosen bytes overlaid: reaches the field checks past the length gate.
      input = TEMPLATE.clone();
      int edits = data.consumeInt(1, 24);
      for (int i = 0; i < edits && data.remainingBytes() > 0; i++) {
        input[data.consumeInt(0, SnpReport.SIZE - 1)] = data.consumeByte();
      }
    }
    try {
      SnpReport r = mode == 2 ? SnpEvidenceCodec.decode(input).report() : SnpReport.parse(input);
      assertThat(SnpReport.parse(r.toByteArray())).isEqualTo(r);
      assertThat(SnpClaims.ofReport(r, r.productLineFromCpuid())).isNotEmpty();
      assertThat(SnpClaims.ofReport(r, Optional.of(ProductLine.TURIN))).isNotEmpty();
      assertThat(r.signatureP1363()).hasSize(96);
    } catch (MalformedEvidenceException expected) {
      assertThat(expected.field()).isNotBlank();
    }
  }
}
