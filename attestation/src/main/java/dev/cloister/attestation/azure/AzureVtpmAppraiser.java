package dev.cloister.attestation.azure;

import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.appraise.SnpAppraisalOptions;
import dev.cloister.attestation.snp.appraise.SnpAppraiser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Policy on verified Azure evidence: the embedded SNP report's appraisal (VMPL, policy, TCB ...),
 * the vTPM quote's nonce (extraData), and pinned PCRs. Claims are the SNP claims plus
 * {@code pcrs} and {@code tpm_nonce}.
 */
public final class AzureVtpmAppraiser {
  public static final String FORMAT = "az-snp-vtpm";

  /** This appraiser's capability to build results (see {@link AttestationResult#minter}). */
  private static final AttestationResult.Minter RESULTS = AttestationResult.minter(java.lang.invoke.MethodHandles.lookup());

  private AzureVtpmAppraiser() {}

  public record Options(SnpAppraisalOptions snp, Optional<Octets> nonce, Map<Integer, Octets> pcrs) {
    public static Options defaults() {
      return new Options(SnpAppraisalOptions.defaults(), Optional.empty(), Map.of());
    }
  }

  public static AttestationResult appraise(AzureVtpmVerifier.Verified v, Options o) {
    AttestationResult snp = SnpAppraiser.appraise(v.snp(), o.snp());
    Map<String, Object> claims = new LinkedHashMap<>(snp.claims());
    List<Check> checks = new ArrayList<>(snp.checks());
    Vtpm.appraise(v.quote(), v.pcrs(), o.nonce(), o.pcrs(), claims, checks);
    return RESULTS.of(FORMAT, v.snp().platform(), claims, checks);
  }
}
