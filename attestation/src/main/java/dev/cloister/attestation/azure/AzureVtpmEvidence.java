package dev.cloister.attestation.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Trustee's {@code az-snp-vtpm} evidence, in its three shapes: v0 ({@code report}, {@code quote}
 * with byte arrays, {@code vcek} PEM) and v1/v2 ({@code hcl_report} base64url, {@code tpm_quote}
 * with hex strings, {@code vcek} base64 DER).
 */
public record AzureVtpmEvidence(byte[] hclReport, X509Certificate vcek, byte[] quoteMessage, byte[] quoteSignature, List<Octets> pcrs) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public AzureVtpmEvidence {
    hclReport = hclReport.clone();
    quoteMessage = quoteMessage.clone();
    quoteSignature = quoteSignature.clone();
    pcrs = List.copyOf(pcrs);
  }

  public static AzureVtpmEvidence decode(byte[] json) throws MalformedEvidenceException {
    JsonNode n;
    try {
      n = JSON.readTree(json);
    } catch (IOException e) {
      throw new MalformedEvidenceException("az_snp_vtpm", "not valid JSON");
    }
    if (n == null || !n.isObject()) {
      throw new MalformedEvidenceException("az_snp_vtpm", "must be a JSON object");
    }
    byte[] hcl = n.has("report") ? bytes(n.get("report"), "az_snp_vtpm.report")
        : base64url(n.path("hcl_report"), "az_snp_vtpm.hcl_report");
    JsonNode quote = n.has("quote") ? n.get("quote") : n.path("tpm_quote");
    if (!quote.isObject()) {
      throw new MalformedEvidenceException("az_snp_vtpm.tpm_quote", "missing");
    }
    byte[] message = bytes(quote.get("message"), "az_snp_vtpm.tpm_quote.message");
    byte[] signature = bytes(quote.get("signature"), "az_snp_vtpm.tpm_quote.signature");
    JsonNode pcrNodes = quote.path("pcrs");
    if (!pcrNodes.isArray() || pcrNodes.size() != 24) {
      throw new MalformedEvidenceException("az_snp_vtpm.tpm_quote.pcrs", "must list 24 PCRs");
    }
    List<Octets> pcrs = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      byte[] v = bytes(pcrNodes.get(i), "az_snp_vtpm.tpm_quote.pcrs[" + i + "]");
      if (v.length != 32) {
        throw new MalformedEvidenceException("az_snp_vtpm.tpm_quote.pcrs[" + i + "]", "SHA-256 PCRs are 32 bytes");
      }
      pcrs.add(Octets.copyOf(v));
    }
    String vcekText = n.path("vcek").asText("");
    byte[] vcekBytes;
    try {
      vcekBytes = vcekText.startsWith("-----") ? vcekText.getBytes(java.nio.charset.StandardCharsets.US_ASCII)
          : Base64.getMimeDecoder().decode(vcekText.replace('-', '+').replace('_', '/'));
      X509Certificate vcek = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(vcekBytes));
      return new AzureVtpmEvidence(hcl, vcek, message, signature, pcrs);
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new MalformedEvidenceException("az_snp_vtpm.vcek", "not a certificate");
    }
  }

  /** A byte array as a JSON list of bytes or a hex string. */
  private static byte[] bytes(JsonNode v, String field) throws MalformedEvidenceException {
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
    if (!v.isArray()) {
      throw new MalformedEvidenceException(field, "must be hex or a byte list");
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

  private static byte[] base64url(JsonNode v, String field) throws MalformedEvidenceException {
    if (!v.isTextual()) {
      throw new MalformedEvidenceException(field, "missing");
    }
    try {
      return Base64.getUrlDecoder().decode(v.asText().replace('+', '-').replace('/', '_'));
    } catch (IllegalArgumentException e) {
      throw new MalformedEvidenceException(field, "not base64url");
    }
  }
}
