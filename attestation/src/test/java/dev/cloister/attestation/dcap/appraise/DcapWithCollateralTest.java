package dev.cloister.attestation.dcap.appraise;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.dcap.tcb.CollateralVerifier;
import dev.cloister.attestation.dcap.tcb.IntelCollateral;
import dev.cloister.attestation.dcap.tcb.TcbStatus;
import dev.cloister.attestation.testing.Vectors;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Verification and appraisal end to end on dcap-qvl@9bffe30's samples with their real collateral
 * (tests/verify_quote.rs times): the verdicts are Intel's, not built by hand.
 */
class DcapWithCollateralTest {
  static CollateralVerifier.VerifiedQuote verify(String sample, long at) throws Exception {
    return CollateralVerifier.intel(Clock.fixed(Instant.ofEpochSecond(at), ZoneOffset.UTC))
        .verify(Vectors.read("dcap-qvl/sample/" + sample), IntelCollateral.fromDcapQvlJson(Vectors.read("dcap-qvl/sample/" + sample + "_collateral.json")));
  }

  @Test
  void tdxSampleAffirmsUnderDefaultOptions() throws Exception {
    var v = verify("tdx_quote", 1752919234);
    AttestationResult r = DcapAppraiser.appraise(v.quote(), Optional.of(v.tcb()), TdxAppraisalOptions.defaults());
    assertThat(r.checks()).filteredOn(Check::failed).isEmpty();
    assertThat(r.status()).isEqualTo(TrustTier.AFFIRMING);
    assertThat(r.claims()).containsEntry("tcb_status", "UpToDate").containsEntry("platform", "hardware");
    assertThat(r.format()).isEqualTo("tdx");
  }

  @Test
  void sgxSampleIsRefusedByDefaultAndWarnedWhenItsStatusIsAllowed() throws Exception {
    var v = verify("sgx_quote", 1752919277);
    assertThat(v.tcb().status()).isEqualTo(TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED);
    AttestationResult strict = DcapAppraiser.appraise(v.quote(), Optional.of(v.tcb()), SgxAppraisalOptions.defaults());
    assertThat(strict.status()).isEqualTo(TrustTier.CONTRAINDICATED);
    assertThat(strict.firstFailure().orElseThrow().name()).isEqualTo("tcb_status");
    assertThat(strict.claims().get("advisory_ids")).isEqualTo(java.util.List.of("INTEL-SA-00289", "INTEL-SA-00615"));
    AttestationResult allowed = DcapAppraiser.appraise(v.quote(), Optional.of(v.tcb()), SgxAppraisalOptions.builder()
        .tcb(TcbPolicy.builder().status(TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED, TrustTier.WARNING).build()).build());
    assertThat(allowed.status()).isEqualTo(TrustTier.WARNING);
  }
}
