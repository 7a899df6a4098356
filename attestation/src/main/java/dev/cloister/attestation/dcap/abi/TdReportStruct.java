package dev.cloister.attestation.dcap.abi;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import java.util.Arrays;

/**
 * A TDREPORT_STRUCT (Intel TDX Module ABI, {@code TDG.MR.REPORT} output, 1024 bytes): the report a
 * TD obtains from the TDX module, MACed for the local platform only and <em>not</em> signed. The
 * Quoting Enclave turns it into a quote whose body ({@link TdReport}) copies its fields; only the
 * quote is evidence. Layout:
 *
 * <pre>
 *   0 REPORTMACSTRUCT 256: report_type 4 (type 0x81 = TDX), reserved 12, cpu_svn 16,
 *                          tee_tcb_info_hash 48, tee_info_hash 48, report_data 64 (at 128),
 *                          reserved 32, mac 32
 * 256 TEE_TCB_INFO 239:    valid 8, tee_tcb_svn 16, mr_seam 48, mr_signer_seam 48, attributes 8, ...
 * 495 reserved 17
 * 512 TDINFO 512:          attributes 8, xfam 8, mr_td, mr_config_id, mr_owner, mr_owner_config,
 *                          rtmr0..3 (48 each), then reserved or TDX 1.5 fields
 * </pre>
 *
 * Azure's HCL report (report type 4) carries one in its hardware-report area.
 */
public final class TdReportStruct {
  public static final int SIZE = 1024;
  /** REPORTTYPE.TYPE of a TDX report (0x00 is SGX). */
  public static final int TYPE_TDX = 0x81;
  static final int REPORT_DATA = 128;
  static final int TEE_TCB_INFO = 256;
  static final int TD_INFO = 512;
  /** TD_ATTRIBUTES through RTMR3: the TD-info part of a quote body. */
  static final int TD_INFO_QUOTED = 8 + 8 + 4 * TdReport.MR_SIZE + TdReport.RTMR_COUNT * TdReport.MR_SIZE;

  private final byte[] bytes;

  private TdReportStruct(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * Parses exactly {@value #SIZE} bytes whose REPORTTYPE.TYPE is TDX.
   *
   * @param field the evidence field to name in errors, e.g. {@code hcl_report.td_report}
   */
  public static TdReportStruct parse(byte[] b, String field) throws MalformedEvidenceException {
    if (b.length != SIZE) {
      throw new MalformedEvidenceException(field, "a TDREPORT is " + SIZE + " bytes, got " + b.length);
    }
    if ((b[0] & 0xFF) != TYPE_TDX) {
      throw new MalformedEvidenceException(field + ".report_type", String.format("type 0x%02x is not TDX (0x81)", b[0] & 0xFF));
    }
    return new TdReportStruct(b.clone());
  }

  /** REPORTTYPE: type, subtype, version, reserved. */
  public Octets reportType() {
    return Octets.copyOfRange(bytes, 0, 4);
  }

  public Octets cpuSvn() {
    return Octets.copyOfRange(bytes, 16, 32);
  }

  public Octets teeTcbInfoHash() {
    return Octets.copyOfRange(bytes, 32, 80);
  }

  public Octets teeInfoHash() {
    return Octets.copyOfRange(bytes, 80, 128);
  }

  public Octets reportData() {
    return Octets.copyOfRange(bytes, REPORT_DATA, REPORT_DATA + 64);
  }

  public Octets mac() {
    return Octets.copyOfRange(bytes, 224, 256);
  }

  /** The raw TEE_TCB_INFO (239 bytes). */
  public Octets teeTcbInfo() {
    return Octets.copyOfRange(bytes, TEE_TCB_INFO, TEE_TCB_INFO + 239);
  }

  /**
   * The 584 bytes a TDX 1.0 quote body holds for this report: TEE_TCB_INFO's tee_tcb_svn, mr_seam,
   * mr_signer_seam and attributes; TDINFO from TD_ATTRIBUTES through RTMR3; REPORT_DATA. A quote of
   * this report carries exactly these bytes (a 1.5 body adds fields after them).
   */
  public byte[] quoteBody() {
    byte[] body = new byte[TdReport.SIZE_10];
    System.arraycopy(bytes, TEE_TCB_INFO + 8, body, 0, 120);
    System.arraycopy(bytes, TD_INFO, body, 120, TD_INFO_QUOTED);
    System.arraycopy(bytes, REPORT_DATA, body, 120 + TD_INFO_QUOTED, 64);
    return body;
  }

  /** {@link #quoteBody()} as a typed TD report 1.0. */
  public TdReport body() {
    try {
      return TdReport.parse(quoteBody());
    } catch (MalformedEvidenceException e) {
      throw new IllegalStateException("a 584-byte body always parses", e);
    }
  }

  public byte[] toByteArray() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TdReportStruct t && Arrays.equals(bytes, t.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "TdReportStruct[report_data=" + reportData().hex() + "]";
  }
}
