package dev.cloister.attestation.tee;

import dev.cloister.attestation.dcap.appraise.SgxAppraisalOptions;
import dev.cloister.attestation.dcap.appraise.TdxAppraisalOptions;
import dev.cloister.attestation.nitro.NitroAppraiser;
import dev.cloister.attestation.snp.appraise.SnpAppraisalOptions;
import java.util.LinkedHashSet;
import java.util.Set;

/** One family's appraisal options, as its policy file gives them ({@link TeeFamily#policy}). */
public sealed interface TeePolicy {
  /**
   * The values the file pins that a caller could also pin by option ({@code nonce}, {@code user_data},
   * {@code pcrs.N}): a caller refuses both rather than letting one silently win.
   */
  default Set<String> pins() {
    return Set.of();
  }

  record Snp(SnpAppraisalOptions options) implements TeePolicy {}

  record Tdx(TdxAppraisalOptions options) implements TeePolicy {}

  record Sgx(SgxAppraisalOptions options) implements TeePolicy {}

  record Nitro(NitroAppraiser.Options options) implements TeePolicy {
    @Override
    public Set<String> pins() {
      Set<String> out = new LinkedHashSet<>();
      options.nonce().ifPresent(n -> out.add("nonce"));
      options.userData().ifPresent(n -> out.add("user_data"));
      options.pcrs().keySet().forEach(i -> out.add("pcrs." + i));
      return out;
    }
  }
}
