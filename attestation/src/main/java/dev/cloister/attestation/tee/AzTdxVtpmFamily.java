package dev.cloister.attestation.tee;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.azure.AzureTdxVtpmAppraiser;
import dev.cloister.attestation.azure.AzureTdxVtpmEvidence;
import dev.cloister.attestation.azure.AzureTdxVtpmVerifier;
import dev.cloister.attestation.json.PolicyJson;
import java.util.Map;
import java.util.Optional;

/**
 * Azure TDX confidential VMs with a vTPM, in Trustee's evidence shapes (v0 and v1: {@code
 * hcl_report}, {@code td_quote}, {@code tpm_quote}). The TD quote as for {@code tdx}; its
 * REPORT_DATA holds the HCL runtime claims' digest (checked by verification), so a session binds
 * to the TPM quote's nonce.
 */
final class AzTdxVtpmFamily implements TeeFamily {
  @Override
  public String name() {
    return "az-tdx-vtpm";
  }

  @Override
  public String format() {
    return AzureTdxVtpmAppraiser.FORMAT;
  }

  @Override
  public boolean recognises(byte[] bytes) {
    return TeeFamilies.jsonObject(bytes).map(n -> !n.has("attestation_report") && n.has("td_quote")).orElse(false);
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
    var root = PolicyJson.read(json);
    if (root.has("report_data")) {
      // Azure's TD REPORT_DATA is the HCL runtime claims' digest, which verification already binds.
      throw new IllegalArgumentException("report_data: az-tdx-vtpm's TD REPORT_DATA is the HCL runtime claims' digest, checked in verification");
    }
    return IntelFamily.TDX.policy(json);
  }

  @Override
  public Verdict evaluate(Evidence evidence, Context c) throws AttestationException {
    AzureTdxVtpmVerifier.Options options = AzureTdxVtpmVerifier.Options.at(c.clock());
    if (c.collateral().isPresent()) {
      options = options.withCollateral(c.collateral().get());
    }
    AzureTdxVtpmVerifier.Verified v = AzureTdxVtpmVerifier.verify(AzureTdxVtpmEvidence.decode(TeeFamilies.jsonBytes(evidence, name())), options);
    var tdx = IntelFamily.tdxOptions(c, name(), c.collateral().isPresent());
    AttestationResult result = AzureTdxVtpmAppraiser.appraise(v, new AzureTdxVtpmAppraiser.Options(tdx, c.sessionBinding().or(c::nonce), c.pcrs()));
    return new Verdict(format(), v.checks(), c.verifyOnly() ? Optional.empty() : Optional.of(result), result.claims());
  }
}
