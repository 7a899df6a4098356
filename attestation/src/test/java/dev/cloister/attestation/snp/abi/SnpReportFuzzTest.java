package dev.cloister.attestation.snp.abi;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.appraise.SnpClaims;
import dev.cloister.attestation.snp.evidence.SnpEvidenceCodec;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes the report parser (and the evidence decoder in front of it): any input either parses, and
 * then round-trips and every accessor works, or fails with the typed parse error. Nothing else may
 * escape. Run for a bounded time in the build by the surefire execution {@code fuzz}
 * (JAZZER_FUZZ=1); otherwise it replays its seeds and corpus as a regression test.
 *
 * <p>The parameter is raw {@code byte[]} with valid reports as seeds (not a FuzzedDataProvider
 * overlaying a template): libFuzzer then mutates report bytes in place, so each input byte is the
 * report byte at the same offset and mutations start past the length gate. Checked by injecting a
 * bug (an unchecked exception when one report byte has one value): found after ~0.3M executions,
 * about 10 s, and the build failed. The reproducer lands in target/jazzer/ (see attestation/pom.xml).
 */
class SnpReportFuzzTest {

  static Stream<byte[]> validReports() throws MalformedEvidenceException {
    return Stream.of(
        report(ProductLine.MILAN, new Cpuid(0x19, 0x01, 1), 3),
        report(ProductLine.GENOA, new Cpuid(0x19, 0x11, 1), 3),
        report(ProductLine.TURIN, new Cpuid(0x1A, 0x02, 0), 5));
  }

  private static byte[] report(ProductLine product, Cpuid cpuid, int version)
      throws MalformedEvidenceException {
    return SnpReport.builder()
        .version(version)
        .measurement(Octets.fromHex("ab".repeat(48)))
        .reportData(Octets.fromHex("cd".repeat(64)))
        .reportedTcb(TcbVersion.of(product, 0, 3, 0, 8, 115))
        .currentTcb(TcbVersion.of(product, 0, 3, 0, 8, 115))
        .cpuid(cpuid)
        .build()
        .toByteArray();
  }

  @MethodSource("validReports") // seeds
  @FuzzTest
  void parseNeverThrowsAnythingButTheTypedError(byte[] input) {
    check(() -> SnpReport.parse(input));
    check(() -> SnpEvidenceCodec.decode(input).report()); // JSON when it starts with '{', else raw
  }

  private interface Parse {
    SnpReport run() throws MalformedEvidenceException;
  }

  private static void check(Parse parse) {
    SnpReport r;
    try {
      r = parse.run();
    } catch (MalformedEvidenceException expected) {
      assertThat(expected.field()).isNotBlank();
      return;
    }
    try {
      assertThat(SnpReport.parse(r.toByteArray())).isEqualTo(r).hasSameHashCodeAs(r);
    } catch (MalformedEvidenceException e) {
      throw new AssertionError("a parsed report must parse again from its own bytes", e);
    }
    try {
      touchEveryAccessor(r);
    } catch (MalformedEvidenceException e) {
      throw new AssertionError("a parsed report must parse again from its own bytes", e);
    }
    assertThat(SnpClaims.ofReport(r, r.productLineFromCpuid())).isNotEmpty();
    assertThat(SnpClaims.ofReport(r, Optional.of(ProductLine.TURIN))).isNotEmpty();
  }

  /**
   * Once parse succeeded, no accessor may throw or return null (absent fields are empty Optionals),
   * and each is a function of the bytes: the report parsed again from its own bytes answers the same.
   */
  private static void touchEveryAccessor(SnpReport r) throws MalformedEvidenceException {
    assertThat(r.signatureP1363()).hasSize(96);
    assertThat(r.signedBytes()).hasSize(SnpReport.SIGNED_LENGTH);
    Object[] all = accessors(r);
    assertThat(all).doesNotContainNull();
    assertThat(accessors(SnpReport.parse(r.toByteArray()))).containsExactly(all);
  }

  private static Object[] accessors(SnpReport r) {
    return new Object[] {
      r.version(), r.guestSvn(), r.policy(), r.familyId(), r.imageId(), r.vmpl(), r.signatureAlgo(),
      r.currentTcb(), r.platformInfo(), r.authorKeyEn(), r.maskChipKey(), r.signingKey(),
      r.reportData(), r.measurement(), r.hostData(), r.idKeyDigest(), r.authorKeyDigest(),
      r.reportId(), r.reportIdMa(), r.reportedTcb(), r.cpuid(), r.chipId(), r.committedTcb(),
      r.currentVersion(), r.committedVersion(), r.launchTcb(), r.launchMitVector(),
      r.currentMitVector(), r.signatureR(), r.signatureS(), r.productLineFromCpuid(), r.toString()
    };
  }
}
