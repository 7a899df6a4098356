package dev.cloister.attestation.azure;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.dcap.appraise.DcapAppraiser;
import dev.cloister.attestation.dcap.appraise.TdxAppraisalOptions;
import dev.cloister.attestation.dcap.tcb.CollateralSource;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Policy on verified Azure TDX evidence: the TD quote's appraisal by {@link DcapAppraiser} under
 * {@link TdxAppraisalOptions} (TCB status, debug, TD attributes, XFAM, measurements ...), then the
 * vTPM checks shared with {@code az-snp-vtpm}: the quote's nonce (extraData) and pinned PCRs. One
 * result of format {@value #FORMAT}; its claims are the TD claims (platform, TD report fields, QE
 * and PCK facts, {@code tcb_status} and {@code advisory_ids} when collateral was given) plus
 * {@code pcrs} and {@code tpm_nonce}. The TD's {@code report_data} claim is the runtime claims'
 * digest, not the caller's nonce: the nonce binds through the TPM quote.
 */
public final class AzureTdxVtpmAppraiser {
  public static final String FORMAT = "az-tdx-vtpm";

  /** This appraiser's capability to build results (see {@link AttestationResult#minter}). */
  private static final AttestationResult.Minter RESULTS = AttestationResult.minter(java.lang.invoke.MethodHandles.lookup());

  private AzureTdxVtpmAppraiser() {}

  /**
   * @param tdx policy for the TD quote; leave its {@code reportData} unset (the TD report data is the runtime claims' digest, checked by verification)
   * @param nonce the TPM quote's extraData must equal it (Trustee: the expected report data)
   * @param pcrs PCR index to the SHA-256 value it must hold
   */
  public record Options(TdxAppraisalOptions tdx, Optional<Octets> nonce, Map<Integer, Octets> pcrs) {
    public Options {
      Objects.requireNonNull(tdx, "tdx");
      Objects.requireNonNull(nonce, "nonce");
      pcrs = Map.copyOf(pcrs);
    }

    public static Options defaults() {
      return new Options(TdxAppraisalOptions.defaults(), Optional.empty(), Map.of());
    }
  }

  public static AttestationResult appraise(AzureTdxVtpmVerifier.Verified v, Options o) {
    AttestationResult td = DcapAppraiser.appraise(v.verifiedQuote(), v.tcb(), o.tdx());
    Map<String, Object> claims = new LinkedHashMap<>(td.claims());
    List<Check> checks = new ArrayList<>(td.checks());
    Vtpm.appraise(v.quote(), v.pcrs(), o.nonce(), o.pcrs(), claims, checks);
    return RESULTS.of(FORMAT, v.platform(), claims, checks);
  }

  /**
   * The whole {@code az-tdx-vtpm} flow for a caller such as the KBS broker: decode Trustee's
   * evidence JSON, verify it against Intel's pinned root at {@code clock} (with Intel collateral
   * and CRLs from {@code collateral} when present), and appraise it with {@code tdx} and the TPM
   * nonce required to equal {@code expectedReportData}. Malformed or non-genuine evidence throws;
   * a policy failure (wrong nonce, refused TCB status, no collateral under the default TCB policy)
   * is a contraindicated result naming the check.
   *
   * @param expectedReportData the nonce the TPM quote must carry; must not be empty
   */
  public static AttestationResult attest(byte[] evidenceJson, byte[] expectedReportData, Optional<CollateralSource> collateral, Clock clock,
      TdxAppraisalOptions tdx) throws AttestationException {
    if (expectedReportData.length == 0) {
      throw new IllegalArgumentException("expectedReportData: an empty nonce binds nothing");
    }
    AzureTdxVtpmVerifier.Options verify = AzureTdxVtpmVerifier.Options.at(clock);
    if (collateral.isPresent()) {
      verify = verify.withCollateral(collateral.get());
    }
    AzureTdxVtpmVerifier.Verified v = AzureTdxVtpmVerifier.verify(AzureTdxVtpmEvidence.decode(evidenceJson), verify);
    return appraise(v, new Options(tdx, Optional.of(Octets.copyOf(expectedReportData)), Map.of()));
  }
}
