package dev.cloister.attestation.dcap.abi;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An SGX enclave report body, 384 bytes: the body of an SGX quote and the QE report of every DCAP
 * quote (Intel SGX DCAP ECDSA Quote Library API, "Enclave Report Body"; Intel SDM Vol. 3D
 * "REPORTBODY"). Offsets, with the reserved ranges skipped:
 *
 * <pre>
 *   0 cpusvn 16        16 miscselect 4 (LE)   20 reserved 12        32 isvextprodid 16
 *  48 attributes 16    64 mrenclave 32        96 reserved 32       128 mrsigner 32
 * 160 reserved 32     192 configid 64        256 isvprodid 2 (LE)  258 isvsvn 2 (LE)
 * 260 configsvn 2 (LE) 262 reserved 42       304 isvfamilyid 16    320 reportdata 64
 * </pre>
 */
public record SgxReport(
    Octets cpuSvn,
    long miscSelect,
    Octets isvExtProdId,
    SgxAttributes attributes,
    Octets mrEnclave,
    Octets mrSigner,
    Octets configId,
    int isvProdId,
    int isvSvn,
    int configSvn,
    Octets isvFamilyId,
    Octets reportData) {

  public static final int SIZE = 384;

  public static SgxReport parse(byte[] body) throws MalformedEvidenceException {
    return parse(body, "sgx_report");
  }

  /** Parses a report body, naming it {@code field} in errors (e.g. {@code "quote.qe_report"}). */
  public static SgxReport parse(byte[] body, String field) throws MalformedEvidenceException {
    if (body.length != SIZE) {
      throw new MalformedEvidenceException(field, "must be " + SIZE + " bytes, got " + body.length);
    }
    ByteBuffer b = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
    return new SgxReport(
        field(body, 0, 16),
        b.getInt(16) & 0xFFFF_FFFFL,
        field(body, 32, 16),
        new SgxAttributes(b.getLong(48), b.getLong(56)),
        field(body, 64, 32),
        field(body, 128, 32),
        field(body, 192, 64),
        b.getShort(256) & 0xFFFF,
        b.getShort(258) & 0xFFFF,
        b.getShort(260) & 0xFFFF,
        field(body, 304, 16),
        field(body, 320, 64));
  }

  public static SgxReport parse(Octets body) throws MalformedEvidenceException {
    return parse(body.toByteArray());
  }

  private static Octets field(byte[] b, int offset, int length) {
    return Octets.copyOfRange(b, offset, offset + length);
  }
}
