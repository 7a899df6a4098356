package dev.cloister.attestation.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.snp.abi.SnpReport;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Azure's HCL report: a 32-byte header ("HCLA"), the hardware SEV-SNP report, then a runtime
 * header (data size, version, report type 2 = SNP, hash type 1 = SHA-256, claims size) and the
 * runtime claims JSON, whose SHA-256 the SNP report carries in its REPORT_DATA. The claims hold the
 * vTPM attestation key ({@code kid: HCLAkPub}).
 */
public record HclReport(SnpReport snp, byte[] runtimeClaims, RSAPublicKey akPub) {
  static final int SNP_OFFSET = 32;
  static final int RUNTIME_HEADER = SNP_OFFSET + SnpReport.SIZE;
  static final int CLAIMS = RUNTIME_HEADER + 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  public HclReport {
    runtimeClaims = runtimeClaims.clone();
  }

  public static HclReport parse(byte[] b) throws MalformedEvidenceException {
    if (b.length > 64 * 1024) {
      throw new MalformedEvidenceException("hcl_report", "larger than 64 KiB");
    }
    if (b.length < CLAIMS || !new String(b, 0, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("HCLA")) {
      throw new MalformedEvidenceException("hcl_report", "not an HCL report (HCLA header)");
    }
    SnpReport snp = SnpReport.parse(Arrays.copyOfRange(b, SNP_OFFSET, SNP_OFFSET + SnpReport.SIZE));
    ByteBuffer h = ByteBuffer.wrap(b, RUNTIME_HEADER, 20).order(ByteOrder.LITTLE_ENDIAN);
    h.getInt(); // data size
    h.getInt(); // version
    int reportType = h.getInt();
    int hashType = h.getInt();
    int claimSize = h.getInt();
    if (reportType != 2) {
      throw new MalformedEvidenceException("hcl_report.report_type", "must be 2 (SEV-SNP), got " + reportType);
    }
    if (hashType != 1) {
      throw new MalformedEvidenceException("hcl_report.hash_type", "must be 1 (SHA-256), got " + hashType);
    }
    if (claimSize <= 0 || CLAIMS + (long) claimSize > b.length) {
      throw new MalformedEvidenceException("hcl_report.claim_size", "out of range: " + claimSize);
    }
    byte[] claims = Arrays.copyOfRange(b, CLAIMS, CLAIMS + claimSize);
    return new HclReport(snp, claims, akPub(claims));
  }

  private static RSAPublicKey akPub(byte[] claims) throws MalformedEvidenceException {
    try {
      JsonNode keys = JSON.readTree(claims).path("keys");
      for (JsonNode k : keys) {
        if ("HCLAkPub".equals(k.path("kid").asText()) && "RSA".equals(k.path("kty").asText())) {
          BigInteger n = new BigInteger(1, Base64.getUrlDecoder().decode(k.path("n").asText()));
          BigInteger e = new BigInteger(1, Base64.getUrlDecoder().decode(k.path("e").asText()));
          RSAPublicKey key = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
          if (key.getModulus().bitLength() < 2048) {
            throw new MalformedEvidenceException("hcl_report.claims.HCLAkPub", "RSA key shorter than 2048 bits");
          }
          return key;
        }
      }
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new MalformedEvidenceException("hcl_report.claims", "runtime claims are not JSON with an RSA HCLAkPub key");
    }
    throw new MalformedEvidenceException("hcl_report.claims.HCLAkPub", "no RSA key with kid HCLAkPub");
  }
}
