package dev.cloister.attestation.azure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.json.StrictJson;
import java.util.List;

/**
 * Trustee's {@code az-tdx-vtpm} evidence (confidential-containers/trustee,
 * {@code deps/verifier/src/az_tdx_vtpm/compat.rs}), in its two shapes:
 *
 * <ul>
 *   <li>v0, no {@code version}: {@code hcl_report} and {@code td_quote} as lists of bytes,
 *       {@code tpm_quote} with {@code signature}, {@code message} and 24 {@code pcrs} as lists of bytes;
 *   <li>v1, {@code "version": 1}: {@code hcl_report} and {@code td_quote} as URL-safe base64,
 *       {@code tpm_quote} with hex strings.
 * </ul>
 *
 * Any other version is refused. Decoding checks shapes only; nothing here is verified.
 */
public record AzureTdxVtpmEvidence(byte[] hclReport, byte[] tdQuote, byte[] quoteMessage, byte[] quoteSignature, List<Octets> pcrs) {
  static final String FIELD = "az_tdx_vtpm";
  /** Real evidence is under 30 KB (v0's byte lists are the largest). */
  static final int MAX_JSON = 1 << 20;

  public AzureTdxVtpmEvidence {
    hclReport = hclReport.clone();
    tdQuote = tdQuote.clone();
    quoteMessage = quoteMessage.clone();
    quoteSignature = quoteSignature.clone();
    pcrs = List.copyOf(pcrs);
    if (pcrs.size() != Vtpm.PCR_COUNT) {
      throw new IllegalArgumentException("the SHA-256 bank has " + Vtpm.PCR_COUNT + " PCRs");
    }
  }

  @Override
  public byte[] hclReport() {
    return hclReport.clone();
  }

  @Override
  public byte[] tdQuote() {
    return tdQuote.clone();
  }

  @Override
  public byte[] quoteMessage() {
    return quoteMessage.clone();
  }

  @Override
  public byte[] quoteSignature() {
    return quoteSignature.clone();
  }

  public static AzureTdxVtpmEvidence decode(byte[] json) throws MalformedEvidenceException {
    JsonNode n = StrictJson.object(json, FIELD, MAX_JSON);
    JsonNode version = n.get("version");
    boolean v1;
    if (version == null) {
      v1 = false;
    } else if (version.isIntegralNumber() && version.asLong() == 1) {
      v1 = true;
    } else {
      throw new MalformedEvidenceException(FIELD + ".version", "unsupported evidence version " + version + " (supported: none for v0, 1)");
    }
    byte[] hcl = v1 ? Vtpm.base64url(n.get("hcl_report"), FIELD + ".hcl_report") : Vtpm.byteList(n.get("hcl_report"), FIELD + ".hcl_report");
    byte[] td = v1 ? Vtpm.base64url(n.get("td_quote"), FIELD + ".td_quote") : Vtpm.byteList(n.get("td_quote"), FIELD + ".td_quote");
    Vtpm.QuoteParts tpm = Vtpm.quote(n.get("tpm_quote"), FIELD);
    return new AzureTdxVtpmEvidence(hcl, td, tpm.message(), tpm.signature(), tpm.pcrs());
  }
}
