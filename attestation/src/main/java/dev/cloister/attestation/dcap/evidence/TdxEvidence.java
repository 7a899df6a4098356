package dev.cloister.attestation.dcap.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.MalformedEvidenceException;
import java.util.Optional;
import java.util.Set;

/**
 * Trustee's TDX evidence ({@code tee: "tdx"}): {@code {"quote": base64, "cc_eventlog": base64 or
 * null, "aa_eventlog": string or null}}, base64 in the standard alphabet (Trustee
 * deps/verifier/src/tdx/mod.rs, {@code TdxEvidence}). The quote's header must name TDX. The CC
 * event log (the ACPI CCEL table's log) is returned unverified: it means something only once
 * replayed against the quote's RTMRs. {@code aa_eventlog}, which older attestation agents send and
 * Trustee ignores, is type-checked and ignored here too.
 *
 * @param quote the DCAP quote bytes, to be parsed and verified by {@code dcap.DcapVerifier}
 * @param ccEventlog the CC event log bytes, if sent
 */
public record TdxEvidence(byte[] quote, Optional<byte[]> ccEventlog) {
  static final String WHAT = "tdx_evidence";

  public TdxEvidence {
    quote = quote.clone();
    ccEventlog = ccEventlog.map(byte[]::clone);
  }

  @Override
  public byte[] quote() {
    return quote.clone();
  }

  @Override
  public Optional<byte[]> ccEventlog() {
    return ccEventlog.map(byte[]::clone);
  }

  public static TdxEvidence decode(byte[] json) throws MalformedEvidenceException {
    return decode(TrusteeJson.object(json, WHAT));
  }

  public static TdxEvidence decode(JsonNode n) throws MalformedEvidenceException {
    TrusteeJson.object(n, WHAT);
    TrusteeJson.onlyKnown(n, WHAT, Set.of("quote", "cc_eventlog", "aa_eventlog"));
    byte[] quote = TrusteeJson.required(n, WHAT, "quote", TrusteeJson.MAX_QUOTE);
    if (IntelTee.ofQuoteHeader(quote).orElse(null) != IntelTee.TDX) {
      throw new MalformedEvidenceException(WHAT + ".quote", "header does not name a TDX quote (version 4 or 5, ECDSA P-256, TEE type 0x81)");
    }
    Optional<byte[]> ccel = TrusteeJson.optional(n, WHAT, "cc_eventlog", TrusteeJson.MAX_EVENTLOG);
    JsonNode aa = n.get("aa_eventlog");
    if (aa != null && !aa.isNull() && !aa.isTextual()) {
      throw new MalformedEvidenceException(WHAT + ".aa_eventlog", "must be a string or null");
    }
    return new TdxEvidence(quote, ccel);
  }
}
