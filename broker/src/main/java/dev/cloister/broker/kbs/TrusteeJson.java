package dev.cloister.broker.kbs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.MalformedEvidenceException;
import java.io.IOException;

/** Trustee's JSON evidence objects as the bytes the attestation library's decoders read. */
final class TrusteeJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrusteeJson() {}

  /** The evidence re-encoded, after checking it is the JSON object {@code tee} sends. */
  static byte[] object(JsonNode evidence, String tee) throws MalformedEvidenceException {
    if (!evidence.isObject()) {
      throw new MalformedEvidenceException("tee-evidence", tee + " evidence must be Trustee's JSON object");
    }
    try {
      return JSON.writeValueAsBytes(evidence);
    } catch (IOException e) {
      throw new MalformedEvidenceException("tee-evidence", "cannot re-encode evidence");
    }
  }
}
