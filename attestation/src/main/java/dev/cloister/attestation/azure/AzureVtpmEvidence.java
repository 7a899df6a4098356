package dev.cloister.attestation.azure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.json.StrictJson;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

/**
 * Trustee's {@code az-snp-vtpm} evidence, in its three shapes: v0 ({@code report}, {@code quote}
 * with byte arrays, {@code vcek} PEM) and v1/v2 ({@code hcl_report} base64url, {@code tpm_quote}
 * with hex strings, {@code vcek} base64 DER).
 */
public record AzureVtpmEvidence(byte[] hclReport, X509Certificate vcek, byte[] quoteMessage, byte[] quoteSignature, List<Octets> pcrs) {

  public AzureVtpmEvidence {
    hclReport = hclReport.clone();
    quoteMessage = quoteMessage.clone();
    quoteSignature = quoteSignature.clone();
    pcrs = List.copyOf(pcrs);
  }

  public static AzureVtpmEvidence decode(byte[] json) throws MalformedEvidenceException {
    JsonNode n = StrictJson.object(json, "az_snp_vtpm");
    byte[] hcl = n.has("report") ? Vtpm.bytes(n.get("report"), "az_snp_vtpm.report")
        : Vtpm.base64url(n.path("hcl_report"), "az_snp_vtpm.hcl_report");
    JsonNode quote = n.has("quote") ? n.get("quote") : n.path("tpm_quote");
    Vtpm.QuoteParts tpm = Vtpm.quote(quote, "az_snp_vtpm");
    String vcekText = n.path("vcek").asText("");
    byte[] vcekBytes;
    try {
      vcekBytes = vcekText.startsWith("-----") ? vcekText.getBytes(java.nio.charset.StandardCharsets.US_ASCII)
          : Base64.getMimeDecoder().decode(vcekText.replace('-', '+').replace('_', '/'));
      X509Certificate vcek = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(vcekBytes));
      return new AzureVtpmEvidence(hcl, vcek, tpm.message(), tpm.signature(), tpm.pcrs());
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new MalformedEvidenceException("az_snp_vtpm.vcek", "not a certificate");
    }
  }
}
