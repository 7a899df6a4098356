package dev.cloister.attestation.binding;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * The KBS binding of a session to evidence: REPORT_DATA must carry
 * {@code SHA-384(JCS({"additional-evidence": A, "nonce": N, "tee-pubkey": K}))}, zero-padded to the
 * report-data size, where JCS is RFC 8785 canonical JSON. This ties the hardware evidence to the
 * broker's fresh nonce and to the key the released secret will be encrypted to.
 */
public final class RuntimeDataBinding {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RuntimeDataBinding() {}

  /** The 48-byte digest. */
  public static byte[] digest(String nonce, JsonNode teePubkey, String additionalEvidence) {
    ObjectNode o = JSON.createObjectNode();
    o.put("additional-evidence", additionalEvidence);
    o.put("nonce", nonce);
    o.set("tee-pubkey", teePubkey);
    try {
      byte[] canonical = new JsonCanonicalizer(JSON.writeValueAsString(o)).getEncodedUTF8();
      return MessageDigest.getInstance("SHA-384").digest(canonical);
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot canonicalise runtime data", e);
    }
  }

  /** The digest zero-padded to {@code size} bytes, as the verifier compares it with REPORT_DATA. */
  public static byte[] reportData(String nonce, JsonNode teePubkey, String additionalEvidence, int size) {
    byte[] d = digest(nonce, teePubkey, additionalEvidence);
    byte[] out = new byte[size];
    System.arraycopy(d, 0, out, 0, Math.min(d.length, size));
    return out;
  }
}
