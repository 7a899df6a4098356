package dev.cloister.attestation.azure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.VerificationException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the SEV-SNP and TDX flavours of Azure vTPM evidence share: JSON fields, the TPM quote checks, vTPM claims and checks. */
final class Vtpm {
  static final int PCR_COUNT = 24;

  private Vtpm() {}

  /** Trustee's {@code tpm_quote} object: signature, TPMS_ATTEST message, the 24 SHA-256 PCRs. */
  record QuoteParts(byte[] message, byte[] signature, List<Octets> pcrs) {}

  static QuoteParts quote(JsonNode quote, String prefix) throws MalformedEvidenceException {
    if (quote == null || !quote.isObject()) {
      throw new MalformedEvidenceException(prefix + ".tpm_quote", "missing");
    }
    byte[] message = bytes(quote.get("message"), prefix + ".tpm_quote.message");
    byte[] signature = bytes(quote.get("signature"), prefix + ".tpm_quote.signature");
    JsonNode pcrNodes = quote.path("pcrs");
    if (!pcrNodes.isArray() || pcrNodes.size() != PCR_COUNT) {
      throw new MalformedEvidenceException(prefix + ".tpm_quote.pcrs", "must list 24 PCRs");
    }
    List<Octets> pcrs = new ArrayList<>();
    for (int i = 0; i < PCR_COUNT; i++) {
      byte[] v = bytes(pcrNodes.get(i), prefix + ".tpm_quote.pcrs[" + i + "]");
      if (v.length != 32) {
        throw new MalformedEvidenceException(prefix + ".tpm_quote.pcrs[" + i + "]", "SHA-256 PCRs are 32 bytes");
      }
      pcrs.add(Octets.copyOf(v));
    }
    return new QuoteParts(message, signature, pcrs);
  }

  /** A byte array as a JSON list of bytes or a hex string. */
  static byte[] bytes(JsonNode v, String field) throws MalformedEvidenceException {
    if (v == null) {
      throw new MalformedEvidenceException(field, "missing");
    }
    if (v.isTextual()) {
      try {
        return HexFormat.of().parseHex(v.asText());
      } catch (IllegalArgumentException e) {
        throw new MalformedEvidenceException(field, "not hex");
      }
    }
    return byteList(v, field);
  }

  /** A byte array as a JSON list of numbers 0..255 (serde's {@code Vec<u8>}). */
  static byte[] byteList(JsonNode v, String field) throws MalformedEvidenceException {
    if (v == null || !v.isArray()) {
      throw new MalformedEvidenceException(field, v == null || v.isMissingNode() ? "missing" : "must be hex or a byte list");
    }
    byte[] out = new byte[v.size()];
    for (int i = 0; i < out.length; i++) {
      int x = v.get(i).asInt(-1);
      if (!v.get(i).isIntegralNumber() || x < 0 || x > 255) {
        throw new MalformedEvidenceException(field + "[" + i + "]", "must be a byte");
      }
      out[i] = (byte) x;
    }
    return out;
  }

  /** URL-safe base64, padded or not (standard-alphabet characters tolerated). */
  static byte[] base64url(JsonNode v, String field) throws MalformedEvidenceException {
    if (v == null || !v.isTextual()) {
      throw new MalformedEvidenceException(field, "missing");
    }
    try {
      return Base64.getUrlDecoder().decode(v.asText().replace('+', '-').replace('/', '_'));
    } catch (IllegalArgumentException e) {
      throw new MalformedEvidenceException(field, "not base64url");
    }
  }

  /** RSASSA-PKCS1-v1_5 SHA-256 over the exact TPMS_ATTEST bytes, by the attested vTPM key. */
  static void verifySignature(RSAPublicKey akPub, byte[] message, byte[] signature) throws VerificationException {
    try {
      Signature s = Signature.getInstance("SHA256withRSA");
      s.initVerify(akPub);
      s.update(message);
      if (!s.verify(signature)) {
        throw new VerificationException("tpm_quote.signature", "does not verify with the attested HCLAkPub key");
      }
    } catch (GeneralSecurityException ex) {
      throw new VerificationException("tpm_quote.signature", "cannot be checked with the attested HCLAkPub key");
    }
  }

  /**
   * The quote's PCR digest recomputed from the supplied values of the selected SHA-256 PCRs, in
   * selection order.
   *
   * @return what was checked, for the verifier's check list
   */
  static String verifyPcrDigest(TpmQuote quote, List<Octets> pcrs) throws VerificationException {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      List<Integer> used = new java.util.ArrayList<>();
      for (TpmQuote.Selection sel : quote.selections()) {
        if (sel.hashAlg() != TpmQuote.TPM_ALG_SHA256) {
          throw new VerificationException("tpm_quote.pcr_select", "only the SHA-256 PCR bank is supported");
        }
        for (int i : sel.pcrs()) {
          if (i >= pcrs.size()) {
            throw new VerificationException("tpm_quote.pcr_select", "PCR " + i + " selected but not supplied");
          }
          d.update(pcrs.get(i).toByteArray());
          used.add(i);
        }
      }
      if (!quote.pcrDigest().contentEquals(d.digest())) {
        throw new VerificationException("tpm_quote.pcr_digest", "the supplied PCR values do not hash to the quoted digest");
      }
      return "the supplied values of SHA-256 PCRs " + used + " hash to the quoted PCR digest";
    } catch (GeneralSecurityException ex) {
      throw new IllegalStateException(ex);
    }
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (GeneralSecurityException ex) {
      throw new IllegalStateException(ex);
    }
  }

  /** Adds the {@code pcrs} and {@code tpm_nonce} claims and the nonce and pinned-PCR checks. */
  static void appraise(TpmQuote quote, List<Octets> pcrValues, Optional<Octets> nonce, Map<Integer, Octets> pinned, Map<String, Object> claims,
      List<Check> checks) {
    Map<String, Object> pcrs = new LinkedHashMap<>();
    for (int i = 0; i < pcrValues.size(); i++) {
      pcrs.put(String.format("%02d", i), pcrValues.get(i).hex());
    }
    claims.put("pcrs", pcrs);
    claims.put("tpm_nonce", quote.extraData().hex());
    nonce.ifPresent(n -> checks.add(n.equals(quote.extraData()) ? Check.pass("tpm_nonce", "matches")
        : Check.fail("tpm_nonce", "got " + quote.extraData().hex() + ", expected " + n.hex())));
    pinned.forEach((i, want) -> checks.add(i < pcrValues.size() && want.equals(pcrValues.get(i)) ? Check.pass("pcr" + i, "matches")
        : Check.fail("pcr" + i, "does not match the pinned value")));
  }
}
