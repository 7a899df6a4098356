package dev.cloister.cleanroom.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.json.StrictJson;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * What a job attests it did: the contract it ran, the workload it was, the broker tokens it was
 * given, and the digest of each sealed output. The evidence's REPORT_DATA is the SHA-512 of the
 * receipt's RFC 8785 form, so every field is covered by the hardware signature.
 *
 * @param contractDigest hex SHA-256 of the contract (the TEE's HOST_DATA)
 * @param measurement hex launch measurement the workload ran as
 * @param earTokens each dataset owner's EAR token, by party
 * @param outputsSha256 hex SHA-256 of each recipient's sealed output, by party
 */
public record Receipt(String contractDigest, String measurement, Map<String, String> earTokens, Map<String, String> outputsSha256) {
  /** The file's {@code report_data} field: how REPORT_DATA derives from the receipt, said in the file itself. */
  public static final String REPORT_DATA_RULE = "sha512(jcs(receipt))";
  /** A receipt names a few parties; far larger is not one of ours. */
  static final int MAX_FILE = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FILE_FIELDS = Set.of("receipt", "report_data", "tee", "evidence");
  private static final Set<String> RECEIPT_FIELDS = Set.of("contract_digest", "measurement", "ear_tokens", "outputs_sha256");

  public Receipt {
    Objects.requireNonNull(contractDigest, "contract_digest");
    Objects.requireNonNull(measurement, "measurement");
    earTokens = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(earTokens));
    outputsSha256 = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(outputsSha256));
  }

  /**
   * The receipt file: the receipt and the evidence over its {@link #reportData()}.
   *
   * @param tee the evidence's KBS {@code tee} family; a file without one is {@code snp} (the only
   *     family before TDX and Nitro). Not covered by REPORT_DATA, and need not be: evidence read as
   *     another family's does not verify.
   * @param evidence as the family's KBS evidence: Trustee's JSON object (snp, tdx), a base64 string (nitro)
   */
  public record Attested(Receipt receipt, String tee, JsonNode evidence) {
    public Attested {
      Objects.requireNonNull(receipt, "receipt");
      Objects.requireNonNull(tee, "tee");
      Objects.requireNonNull(evidence, "evidence");
    }

    /** SEV-SNP evidence. */
    public Attested(Receipt receipt, JsonNode evidence) {
      this(receipt, "snp", evidence);
    }

    public byte[] toJson() {
      ObjectNode file = JSON.createObjectNode();
      file.set("receipt", JSON.valueToTree(receipt.asMap()));
      file.put("report_data", REPORT_DATA_RULE);
      file.put("tee", tee);
      file.set("evidence", evidence);
      try {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(file);
      } catch (IOException e) {
        throw new IllegalStateException("cannot write a receipt", e);
      }
    }

    /** Reads a receipt file strictly: only the fields above, each of its type; nothing else. */
    public static Attested parse(byte[] json) throws MalformedEvidenceException {
      JsonNode file = StrictJson.object(json, "receipt_file", MAX_FILE);
      StrictJson.onlyKnown(file, "receipt_file", FILE_FIELDS);
      JsonNode rule = file.get("report_data");
      if (rule == null || !rule.isTextual() || !rule.asText().equals(REPORT_DATA_RULE)) {
        throw new MalformedEvidenceException("receipt_file.report_data", "must be \"" + REPORT_DATA_RULE + "\"");
      }
      JsonNode r = StrictJson.object(file.get("receipt"), "receipt");
      StrictJson.onlyKnown(r, "receipt", RECEIPT_FIELDS);
      Receipt receipt = new Receipt(text(r, "contract_digest"), text(r, "measurement"), strings(r, "ear_tokens"), strings(r, "outputs_sha256"));
      JsonNode tee = file.get("tee");
      if (tee != null && !tee.isTextual()) {
        throw new MalformedEvidenceException("receipt_file.tee", "must be a string");
      }
      JsonNode evidence = file.get("evidence");
      if (evidence == null || !(evidence.isObject() || evidence.isTextual())) {
        throw new MalformedEvidenceException("receipt_file.evidence", evidence == null ? "missing" : "must be an object or a string");
      }
      return new Attested(receipt, tee == null ? "snp" : tee.asText(), evidence);
    }
  }

  /** The REPORT_DATA the evidence must carry: SHA-512 of the RFC 8785 form. */
  public byte[] reportData() {
    try {
      return MessageDigest.getInstance("SHA-512").digest(canonical());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  byte[] canonical() {
    try {
      return new JsonCanonicalizer(JSON.writeValueAsString(asMap())).getEncodedUTF8();
    } catch (IOException e) {
      throw new IllegalStateException("cannot canonicalise a receipt", e);
    }
  }

  private Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("contract_digest", contractDigest);
    m.put("measurement", measurement);
    m.put("ear_tokens", earTokens);
    m.put("outputs_sha256", outputsSha256);
    return m;
  }

  /** No secret here, but the tokens are bearer credentials for their brokers' logs: parties only. */
  @Override
  public String toString() {
    return "Receipt[contract " + contractDigest + ", measurement " + measurement + ", tokens from " + earTokens.keySet() + ", outputs "
        + outputsSha256 + "]";
  }

  private static String text(JsonNode n, String name) throws MalformedEvidenceException {
    JsonNode v = n.get(name);
    if (v == null || !v.isTextual()) {
      throw new MalformedEvidenceException("receipt." + name, v == null ? "missing" : "must be a string");
    }
    return v.asText();
  }

  private static Map<String, String> strings(JsonNode n, String name) throws MalformedEvidenceException {
    JsonNode v = n.get(name);
    if (v == null || !v.isObject()) {
      throw new MalformedEvidenceException("receipt." + name, v == null ? "missing" : "must be an object");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (var e : v.properties()) {
      if (!e.getValue().isTextual()) {
        throw new MalformedEvidenceException("receipt." + name + "." + e.getKey(), "must be a string");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }
}
