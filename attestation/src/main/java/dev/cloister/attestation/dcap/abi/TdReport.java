package dev.cloister.attestation.dcap.abi;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The TD report body of a TDX quote (Intel TDX DCAP Quoting Library API, "TD Report Body" 1.0, 584
 * bytes; 1.5, 648 bytes; go-tdx-guest {@code abi.TdQuoteBody}). Offsets within the body:
 *
 * <pre>
 *   0 tee_tcb_svn 16     16 mrseam 48          64 mrsignerseam 48   112 seam_attributes 8
 * 120 td_attributes 8   128 xfam 8            136 mrtd 48          184 mrconfigid 48
 * 232 mrowner 48        280 mrownerconfig 48  328 rtmr0..3 48 each 520 report_data 64
 * 584 tee_tcb_svn2 16   600 mrservicetd 48    (1.5 only)
 * </pre>
 *
 * @param rtmrs RTMR0..RTMR3, in order
 * @param teeTcbSvn2 TDX 1.5 only
 * @param mrServiceTd TDX 1.5 only
 */
public record TdReport(
    Octets teeTcbSvn,
    Octets mrSeam,
    Octets mrSignerSeam,
    Octets seamAttributes,
    Octets tdAttributes,
    Octets xfam,
    Octets mrTd,
    Octets mrConfigId,
    Octets mrOwner,
    Octets mrOwnerConfig,
    List<Octets> rtmrs,
    Octets reportData,
    Optional<Octets> teeTcbSvn2,
    Optional<Octets> mrServiceTd) {

  public static final int SIZE_10 = 584;
  public static final int SIZE_15 = 648;
  public static final int RTMR_COUNT = 4;
  public static final int MR_SIZE = 48;

  public TdReport {
    rtmrs = List.copyOf(rtmrs);
    if (rtmrs.size() != RTMR_COUNT) {
      throw new IllegalArgumentException("a TD report has " + RTMR_COUNT + " RTMRs");
    }
    Objects.requireNonNull(teeTcbSvn2, "teeTcbSvn2");
    Objects.requireNonNull(mrServiceTd, "mrServiceTd");
  }

  /** Parses a 584-byte (TDX 1.0) or 648-byte (TDX 1.5) body. */
  public static TdReport parse(byte[] body) throws MalformedEvidenceException {
    if (body.length != SIZE_10 && body.length != SIZE_15) {
      throw new MalformedEvidenceException("td_report", "must be " + SIZE_10 + " or " + SIZE_15 + " bytes, got " + body.length);
    }
    Octets[] rtmr = new Octets[RTMR_COUNT];
    for (int i = 0; i < RTMR_COUNT; i++) {
      rtmr[i] = field(body, 328 + MR_SIZE * i, MR_SIZE);
    }
    boolean v15 = body.length == SIZE_15;
    return new TdReport(
        field(body, 0, 16),
        field(body, 16, MR_SIZE),
        field(body, 64, MR_SIZE),
        field(body, 112, 8),
        field(body, 120, 8),
        field(body, 128, 8),
        field(body, 136, MR_SIZE),
        field(body, 184, MR_SIZE),
        field(body, 232, MR_SIZE),
        field(body, 280, MR_SIZE),
        List.of(rtmr),
        field(body, 520, 64),
        v15 ? Optional.of(field(body, 584, 16)) : Optional.empty(),
        v15 ? Optional.of(field(body, 600, MR_SIZE)) : Optional.empty());
  }

  public static TdReport parse(Octets body) throws MalformedEvidenceException {
    return parse(body.toByteArray());
  }

  /** RTMR{@code index}, 0..3. */
  public Octets rtmr(int index) {
    return rtmrs.get(index);
  }

  /** TD_ATTRIBUTES decoded (little endian). */
  public TdAttributes attributes() {
    return new TdAttributes(le64(tdAttributes));
  }

  /** XFAM as a little-endian 64-bit value. */
  public long xfamBits() {
    return le64(xfam);
  }

  /** A TD report body 1.5 (TDX module 1.5 and later), with TEE_TCB_SVN2 and MRSERVICETD. */
  public boolean isTdx15() {
    return mrServiceTd.isPresent();
  }

  static long le64(Octets eight) {
    return ByteBuffer.wrap(eight.toByteArray()).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  private static Octets field(byte[] b, int offset, int length) {
    return Octets.copyOfRange(b, offset, offset + length);
  }
}
