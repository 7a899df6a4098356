package dev.cloister.attestation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloister.attestation.dcap.DcapVerifier;
import dev.cloister.attestation.dcap.tcb.CollateralVerifier;
import dev.cloister.attestation.dcap.tcb.IntelCollateral;
import dev.cloister.attestation.dcap.tcb.TcbVerdict;
import dev.cloister.attestation.nitro.NitroVerifier;
import dev.cloister.attestation.testing.Vectors;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, defect 1: the checks a verifier reports name what it compared (which root, which
 * time, whether Intel's CRLs were checked), so {@code attest verify} only renders them. Real
 * samples, at the times their upstreams test them (INDEX.md).
 */
class VerifierChecksTest {
  static Clock at(String t) {
    return Clock.fixed(Instant.parse(t), ZoneOffset.UTC);
  }

  // Phala-Network/dcap-qvl@9bffe30 sample/tdx_quote + tdx_quote_collateral.json, tested upstream at
  // 1752919234 (could_parse_tdx_quote): FMSPC b0c06f000000, with both of Intel's CRLs.
  @Test
  void dcapChecksNameIntelsRootTheTimeAndTheCrls() throws Exception {
    Clock clock = at("2025-07-19T10:00:34Z");
    DcapVerifier.Verified v = DcapVerifier.verifyReporting(Vectors.read("dcap-qvl/sample/tdx_quote"), clock);
    assertThat(v.checks()).extracting(Check::name).containsExactly("pck_chain", "qe_report", "signature");
    assertThat(v.checks().getFirst().detail())
        .startsWith("the PCK certificate 'Intel SGX PCK Certificate' is signed by 'Intel SGX PCK ")
        .endsWith("is signed by the pinned Intel root 'Intel SGX Root CA'; every certificate valid at 2025-07-19T10:00:34Z");

    CollateralVerifier cv = CollateralVerifier.intel(clock);
    IntelCollateral collateral = IntelCollateral.fromDcapQvlJson(Vectors.read("dcap-qvl/sample/tdx_quote_collateral.json"));
    TcbVerdict tcb = cv.verify(v.quote().quote(), collateral);
    assertThat(cv.checks(v.quote().quote(), tcb)).extracting(Check::name, Check::outcome)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("collateral", TrustTier.AFFIRMING),
            org.assertj.core.groups.Tuple.tuple("collateral.revocation", TrustTier.AFFIRMING));
    assertThat(cv.checks(v.quote().quote(), tcb).getFirst().detail())
        .startsWith("TCB info (FMSPC b0c06f000000) and QE identity signed by the TCB Signing key under 'Intel SGX Root CA', current at 2025-07-19T10:00:34Z");
    assertThat(cv.checks(v.quote().quote(), tcb).get(1).detail()).contains("current at 2025-07-19T10:00:34Z");
  }

  // evervault/attestation-doc-validation@084ba28 test-data/beta/valid-attestation-doc-bytes, valid
  // 2022-10-13T08:57:59Z..11:58:02Z; its root is AWS's G1 root, CN aws.nitro-enclaves.
  @Test
  void nitroChecksNameThePinnedRootAndTheTime() throws Exception {
    NitroVerifier.Verified v = NitroVerifier.verifyReporting(
        Vectors.read("attestation-doc-validation/test-data/beta/valid-attestation-doc-bytes"), at("2022-10-13T10:00:00Z"));
    assertThat(v.checks()).extracting(Check::name).containsExactly("chain", "validity", "signature");
    assertThat(v.checks().getFirst().detail())
        .endsWith("to the pinned AWS Nitro root 'aws.nitro-enclaves' (SHA-256 641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b)");
    assertThat(v.checks().get(1).detail()).endsWith("valid at 2022-10-13T10:00:00Z");
  }
}
