package dev.cloister.attestation.tee;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.azure.AzureVtpmAppraiser;
import dev.cloister.attestation.azure.AzureVtpmEvidence;
import dev.cloister.attestation.azure.AzureVtpmVerifier;
import dev.cloister.attestation.snp.appraise.SnpAppraisalOptions;
import dev.cloister.attestation.snp.appraise.SnpPolicyFile;
import java.util.Map;
import java.util.Optional;

/**
 * Azure SEV-SNP confidential VMs with a vTPM, in Trustee's evidence shapes (v0 {@code
 * report/quote/vcek}, v1 and v2 {@code hcl_report/tpm_quote/vcek}). As Trustee's verifier: the SNP
 * report's REPORT_DATA holds the HCL runtime claims' digest (checked by verification), so a
 * session binds to the TPM quote's nonce; the report must come from VMPL 0 (the HCL). The embedded
 * report is trusted as plain SNP's: the caller's simulated roots verify it, and the appraisal accepts
 * it only with {@link Context#allowSimulated} (the vTPM attester's HCL report from the simulated
 * platform, a broker under {@code --allow-simulated}).
 */
final class AzSnpVtpmFamily implements TeeFamily {
  @Override
  public String name() {
    return "az-snp-vtpm";
  }

  @Override
  public String format() {
    return AzureVtpmAppraiser.FORMAT;
  }

  @Override
  public boolean recognises(byte[] bytes) {
    return TeeFamilies.jsonObject(bytes)
        .map(n -> !n.has("attestation_report") && !n.has("td_quote")
            && (n.has("hcl_report") || n.has("tpm_quote") || (n.has("report") && n.has("quote") && n.has("vcek"))))
        .orElse(false);
  }

  @Override
  public Binding binding() {
    return new Binding(48, "tpm_nonce");
  }

  @Override
  public Map<String, String> sessionBound() {
    return Map.of("report_data",
        "REPORT_DATA holds the HCL runtime claims' digest and the broker binds the session to the TPM quote; a policy cannot set it");
  }

  @Override
  public TeePolicy policy(byte[] json) {
    return new TeePolicy.Snp(SnpPolicyFile.parse(json));
  }

  @Override
  public Verdict evaluate(Evidence evidence, Context c) throws AttestationException {
    AzureVtpmVerifier.Verified v = AzureVtpmVerifier.verify(AzureVtpmEvidence.decode(TeeFamilies.jsonBytes(evidence, name())),
        SnpFamily.verifyOptions(c, true));
    // Azure's HCL runs in VMPL 0 and requests the report there (as Trustee's az-snp-vtpm verifier requires).
    SnpAppraisalOptions snp = SnpFamily.appraisalOptions(c, name(), true).toBuilder().vmpl(0).build();
    AttestationResult result = AzureVtpmAppraiser.appraise(v, new AzureVtpmAppraiser.Options(snp, c.sessionBinding().or(c::nonce), c.pcrs()));
    return new Verdict(format(), v.checks(), c.verifyOnly() ? Optional.empty() : Optional.of(result), result.claims());
  }
}
