package dev.cloister.attestation.azure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.dcap.abi.TdReportStruct;
import dev.cloister.attestation.snp.abi.SnpReport;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * Azure's HCL report: a 32-byte header ("HCLA"), a hardware-report area of {@value #HW_AREA} bytes
 * (the largest hardware report), then a runtime header (data size, version, report type, hash type
 * 1 = SHA-256, claims size) at offset 1216 and the runtime claims JSON ("variable data"). The
 * report type says what the hardware area holds: 2, a SEV-SNP report ({@value SnpReport#SIZE}
 * bytes, REPORT_DATA[0:32] = SHA-256 of the claims); 4, a TDX TDREPORT ({@value
 * TdReportStruct#SIZE} bytes, MACed but unsigned: the TD quote of it is the evidence, and its
 * report_data[0:32] is the claims' SHA-256). The claims hold the vTPM attestation key ({@code kid:
 * HCLAkPub}). Layout as in Microsoft's az-cvm-vtpm crate ({@code hcl/mod.rs}).
 *
 * <p>Exactly one of {@code snpReport} and {@code tdReport} is present, as {@code reportType} says.
 */
public record HclReport(int reportType, Optional<SnpReport> snpReport, Optional<TdReportStruct> tdReport, byte[] runtimeClaims, RSAPublicKey akPub) {
  public static final int REPORT_TYPE_SNP = 2;
  public static final int REPORT_TYPE_TDX = 4;
  static final int HW_OFFSET = 32;
  static final int HW_AREA = SnpReport.SIZE;
  static final int RUNTIME_HEADER = HW_OFFSET + HW_AREA;
  static final int CLAIMS = RUNTIME_HEADER + 20;
  static final int MAX_SIZE = 64 * 1024;

  public HclReport {
    Objects.requireNonNull(snpReport, "snpReport");
    Objects.requireNonNull(tdReport, "tdReport");
    Objects.requireNonNull(akPub, "akPub");
    boolean consistent = switch (reportType) {
      case REPORT_TYPE_SNP -> snpReport.isPresent() && tdReport.isEmpty();
      case REPORT_TYPE_TDX -> tdReport.isPresent() && snpReport.isEmpty();
      default -> false;
    };
    if (!consistent) {
      throw new IllegalArgumentException("report type " + reportType + " needs exactly its own hardware report");
    }
    runtimeClaims = runtimeClaims.clone();
  }

  /** An SEV-SNP HCL report (report type 2): the shape before TDX support. */
  public HclReport(SnpReport snp, byte[] runtimeClaims, RSAPublicKey akPub) {
    this(REPORT_TYPE_SNP, Optional.of(snp), Optional.empty(), runtimeClaims, akPub);
  }

  /** Parses an HCL report of report type 2 (SEV-SNP) or 4 (TDX). */
  public static HclReport parse(byte[] b) throws MalformedEvidenceException {
    if (b.length > MAX_SIZE) {
      throw new MalformedEvidenceException("hcl_report", "larger than 64 KiB");
    }
    if (b.length < CLAIMS || !new String(b, 0, 4, StandardCharsets.US_ASCII).equals("HCLA")) {
      throw new MalformedEvidenceException("hcl_report", "not an HCL report (HCLA header)");
    }
    ByteBuffer h = ByteBuffer.wrap(b, RUNTIME_HEADER, 20).order(ByteOrder.LITTLE_ENDIAN);
    h.getInt(); // data size
    h.getInt(); // version
    int reportType = h.getInt();
    int hashType = h.getInt();
    int claimSize = h.getInt();
    Optional<SnpReport> snp = Optional.empty();
    Optional<TdReportStruct> td = Optional.empty();
    switch (reportType) {
      case REPORT_TYPE_SNP -> snp = Optional.of(SnpReport.parse(Arrays.copyOfRange(b, HW_OFFSET, HW_OFFSET + SnpReport.SIZE)));
      case REPORT_TYPE_TDX -> td = Optional.of(TdReportStruct.parse(Arrays.copyOfRange(b, HW_OFFSET, HW_OFFSET + TdReportStruct.SIZE), "hcl_report.td_report"));
      default -> throw new MalformedEvidenceException("hcl_report.report_type", "must be 2 (SEV-SNP) or 4 (TDX), got " + reportType);
    }
    if (hashType != 1) {
      throw new MalformedEvidenceException("hcl_report.hash_type", "must be 1 (SHA-256), got " + hashType);
    }
    if (claimSize <= 0 || CLAIMS + (long) claimSize > b.length) {
      throw new MalformedEvidenceException("hcl_report.claim_size", "out of range: " + claimSize);
    }
    byte[] claims = Arrays.copyOfRange(b, CLAIMS, CLAIMS + claimSize);
    return new HclReport(reportType, snp, td, claims, akPub(claims));
  }

  /** True for report type 4, a TDREPORT in the hardware area. */
  public boolean isTdx() {
    return reportType == REPORT_TYPE_TDX;
  }

  /**
   * The embedded SEV-SNP report.
   *
   * @throws MalformedEvidenceException naming {@code hcl_report.report_type} if this is a TDX HCL report
   */
  public SnpReport snp() throws MalformedEvidenceException {
    return snpReport.orElseThrow(() -> new MalformedEvidenceException("hcl_report.report_type",
        "is " + reportType + " (TDX): an SEV-SNP report (type 2) is needed"));
  }

  /**
   * The embedded TDREPORT.
   *
   * @throws MalformedEvidenceException naming {@code hcl_report.report_type} if this is an SEV-SNP HCL report
   */
  public TdReportStruct td() throws MalformedEvidenceException {
    return tdReport.orElseThrow(() -> new MalformedEvidenceException("hcl_report.report_type",
        "is " + reportType + " (SEV-SNP): a TDX TDREPORT (type 4) is needed"));
  }

  /** The runtime claims JSON exactly as hashed into the hardware report's report data. */
  @Override
  public byte[] runtimeClaims() {
    return runtimeClaims.clone();
  }

  private static RSAPublicKey akPub(byte[] claims) throws MalformedEvidenceException {
    try {
      JsonNode keys;
      try {
        // Strict: these bytes are hashed into the hardware report, so they must read one way only.
        keys = dev.cloister.attestation.json.StrictJson.object(claims, "hcl_report.claims").path("keys");
      } catch (MalformedEvidenceException e) {
        throw new MalformedEvidenceException("hcl_report.claims", "runtime claims are not JSON with an RSA HCLAkPub key (" + e.detail() + ")");
      }
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
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new MalformedEvidenceException("hcl_report.claims", "runtime claims are not JSON with an RSA HCLAkPub key");
    }
    throw new MalformedEvidenceException("hcl_report.claims.HCLAkPub", "no RSA key with kid HCLAkPub");
  }
}
