package dev.cloister.broker.kbs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.appraise.SnpAppraisalOptions;
import dev.cloister.attestation.snp.appraise.SnpAppraiser;
import dev.cloister.attestation.snp.evidence.SnpEvidenceCodec;
import dev.cloister.attestation.snp.verify.SnpEvidence;
import dev.cloister.attestation.snp.verify.SnpVerifier;
import java.util.Base64;

/**
 * SEV-SNP for the broker ({@code tee: "snp"}): evidence as Trustee's JSON object, or as a string
 * holding the base64 of a raw report (its VCEK then comes from the KDS cache). Verification and
 * appraisal are the attestation library's; the report data must carry the session binding.
 */
public final class SnpTeeVerifier implements TeeVerifier {
  private final SnpVerifier verifier;
  private final SnpAppraisalOptions appraisal;

  public SnpTeeVerifier(SnpVerifier verifier, SnpAppraisalOptions appraisal) {
    this.verifier = verifier;
    this.appraisal = appraisal;
  }

  @Override
  public AttestationResult attest(JsonNode evidence, byte[] expectedReportData) throws AttestationException {
    SnpEvidence decoded;
    if (evidence.isTextual()) {
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(evidence.asText());
      } catch (IllegalArgumentException e) {
        throw new MalformedEvidenceException("tee-evidence", "a string must be the base64 of a raw SEV-SNP report");
      }
      decoded = SnpEvidenceCodec.decode(bytes);
    } else if (evidence.isObject()) {
      decoded = SnpEvidenceCodec.decodeTrusteeJson(evidence); // already parsed: no second round through bytes
    } else {
      throw new MalformedEvidenceException("tee-evidence", "must be an object or a base64 string");
    }
    var verified = verifier.verify(decoded);
    return SnpAppraiser.appraise(verified, appraisal.toBuilder().reportData(Octets.copyOf(expectedReportData)).build());
  }

  @Override
  public int reportDataSize() {
    return 64;
  }
}
