package dev.cloister.attestation.dcap.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.MalformedEvidenceException;
import java.util.Set;

/**
 * Trustee's SGX evidence ({@code tee: "sgx"}): {@code {"quote": base64}} in the standard alphabet
 * (Trustee deps/verifier/src/sgx/mod.rs, {@code SgxEvidence}). The quote's header must name SGX.
 *
 * @param quote the DCAP quote bytes, to be parsed and verified by {@code dcap.DcapVerifier}
 */
public record SgxEvidence(byte[] quote) {
  static final String WHAT = "sgx_evidence";

  public SgxEvidence {
    quote = quote.clone();
  }

  @Override
  public byte[] quote() {
    return quote.clone();
  }

  public static SgxEvidence decode(byte[] json) throws MalformedEvidenceException {
    return decode(TrusteeJson.object(json, WHAT));
  }

  public static SgxEvidence decode(JsonNode n) throws MalformedEvidenceException {
    TrusteeJson.object(n, WHAT);
    TrusteeJson.onlyKnown(n, WHAT, Set.of("quote"));
    byte[] quote = TrusteeJson.required(n, WHAT, "quote", TrusteeJson.MAX_QUOTE);
    if (IntelTee.ofQuoteHeader(quote).orElse(null) != IntelTee.SGX) {
      throw new MalformedEvidenceException(WHAT + ".quote", "header does not name an SGX quote (version 3 or 5, ECDSA P-256, TEE type 0)");
    }
    return new SgxEvidence(quote);
  }
}
