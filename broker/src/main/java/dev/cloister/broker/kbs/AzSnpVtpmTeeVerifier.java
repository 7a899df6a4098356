package dev.cloister.broker.kbs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.azure.AzureVtpmAppraiser;
import dev.cloister.attestation.azure.AzureVtpmEvidence;
import dev.cloister.attestation.azure.AzureVtpmVerifier;
import dev.cloister.attestation.snp.appraise.SnpAppraisalOptions;
import dev.cloister.attestation.snp.verify.VerifyOptions;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Azure SEV-SNP confidential VMs with a vTPM for the broker ({@code tee: "az-snp-vtpm"}), in
 * Trustee's evidence shapes (v0 {@code report/quote/vcek}, v1 and v2 {@code hcl_report/tpm_quote/vcek}).
 *
 * <p>As Trustee's az-snp-vtpm verifier: the TPM quote's nonce (TPMS_ATTEST extraData) must be
 * exactly the expected report data, the 48-byte KBS runtime-data digest; the SNP report's
 * REPORT_DATA holds the SHA-256 of the HCL runtime claims instead (checked by verification, which
 * also checks the quote's signature by the attested vTPM key and the PCR digest); the SNP report
 * must come from VMPL 0 (the HCL). The embedded report is appraised with the broker's SNP
 * defaults; hardware roots only, whatever simulation allows for plain SNP.
 */
public final class AzSnpVtpmTeeVerifier implements TeeVerifier {
  private final VerifyOptions verify;
  private final SnpAppraisalOptions snp;

  public AzSnpVtpmTeeVerifier(VerifyOptions verify, SnpAppraisalOptions snp) {
    this.verify = Objects.requireNonNull(verify, "verify");
    this.snp = snp.toBuilder().vmpl(0).build();
  }

  @Override
  public AttestationResult attest(JsonNode evidence, byte[] expectedReportData) throws AttestationException {
    byte[] json = TrusteeJson.object(evidence, "az-snp-vtpm");
    AzureVtpmVerifier.Verified verified = AzureVtpmVerifier.verify(AzureVtpmEvidence.decode(json), verify);
    return AzureVtpmAppraiser.appraise(verified, new AzureVtpmAppraiser.Options(snp, Optional.of(Octets.copyOf(expectedReportData)), Map.of()));
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
