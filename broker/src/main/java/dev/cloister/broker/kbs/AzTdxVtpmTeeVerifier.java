package dev.cloister.broker.kbs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.azure.AzureTdxVtpmAppraiser;
import dev.cloister.attestation.dcap.appraise.TdxAppraisalOptions;
import dev.cloister.attestation.dcap.tcb.CollateralSource;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * Azure TDX confidential VMs with a vTPM for the broker ({@code tee: "az-tdx-vtpm"}), in Trustee's
 * evidence shapes (v0 and v1: {@code hcl_report}, {@code td_quote}, {@code tpm_quote}). As
 * Trustee's verifier, the TPM quote's nonce must be the 48-byte KBS runtime-data digest; the TD
 * quote's REPORT_DATA holds the SHA-256 of the HCL runtime claims (checked by verification). The
 * TD quote is verified with Intel collateral from the broker's collateral source and appraised
 * with the TDX options (the defaults, or a {@code broker serve --policy az-tdx-vtpm=FILE} file).
 */
public final class AzTdxVtpmTeeVerifier implements TeeVerifier {
  private final Clock clock;
  private final CollateralSource collateral;
  private final TdxAppraisalOptions options;

  /** @param options for the TD quote, without REPORT_DATA (the runtime claims' digest, checked by verification) */
  public AzTdxVtpmTeeVerifier(Clock clock, CollateralSource collateral, TdxAppraisalOptions options) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.collateral = Objects.requireNonNull(collateral, "collateral");
    this.options = Objects.requireNonNull(options, "options");
  }

  @Override
  public AttestationResult attest(JsonNode evidence, byte[] expectedReportData) throws AttestationException {
    byte[] json = TrusteeJson.object(evidence, "az-tdx-vtpm");
    return AzureTdxVtpmAppraiser.attest(json, expectedReportData, Optional.of(collateral), clock, options);
  }

  @Override
  public int reportDataSize() {
    return 48;
  }

  @Override
  public String bindingClaim() {
    return "tpm_nonce";
  }
}
