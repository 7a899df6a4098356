package dev.cloister.attestation.dcap;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.dcap.abi.SgxReport;
import dev.cloister.attestation.dcap.abi.TdReport;
import java.io.ByteArrayInputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * An Intel DCAP quote: TDX version 4 (TD report 1.0), version 5 (TD report 1.0 or 1.5, typed body)
 * and SGX version 3 (enclave report), with the ECDSA P-256 quote signature, attestation key, QE
 * report and its signature, QE authentication data and the PCK certificate chain (certification
 * data type 6 wrapping type 5). Every length comes from the quote's own length fields; real quotes
 * carry trailing bytes, which are kept out of every signed region. As Intel's QVL (Quote::validate,
 * QuoteVerification.cpp), before any signature: the TEE type is SGX or TDX and, in a version 5
 * quote, agrees with the body type; the QE vendor ID is Intel's; the PCK chain is exactly three
 * certificates.
 */
public record DcapQuote(
    int version,
    int teeType,
    int qeSvn,
    int pceSvn,
    Octets qeVendorId,
    byte[] signedRegion,
    Octets reportBody,
    int bodyType,
    byte[] quoteSignature,
    byte[] attestationKey,
    byte[] qeReport,
    byte[] qeReportSignature,
    byte[] qeAuthData,
    List<X509Certificate> pckChain) {

  public static final int TEE_SGX = 0x00000000;
  public static final int TEE_TDX = 0x00000081;
  /** Intel's quoting enclave vendor ID: Intel's QVL refuses a quote from any other QE before any signature. */
  public static final Octets INTEL_QE_VENDOR_ID = Octets.copyOf(HexFormat.of().parseHex("939a7233f79c4ca9940a0db3957f0607"));
  /** PCK certificate, PCK CA, root CA: Intel's QVL accepts no other length (EXPECTED_CERTIFICATE_COUNT_IN_PCK_CHAIN). */
  public static final int PCK_CHAIN_LENGTH = 3;
  static final int HEADER = 48;
  static final int SGX_REPORT = 384;
  static final int TD_REPORT_10 = 584;
  static final int TD_REPORT_15 = 648;

  public boolean tdx() {
    return teeType == TEE_TDX;
  }

  /**
   * The body as a TD report (body type 2, TDX 1.0; or 3, TDX 1.5).
   *
   * @throws MalformedEvidenceException naming {@code quote.body_type} if the body is an SGX report
   */
  public TdReport tdReport() throws MalformedEvidenceException {
    if (bodyType != 2 && bodyType != 3) {
      throw new MalformedEvidenceException("quote.body_type", "body type " + bodyType + " is not a TD report");
    }
    return TdReport.parse(reportBody);
  }

  /**
   * The body as an SGX enclave report (body type 1).
   *
   * @throws MalformedEvidenceException naming {@code quote.body_type} if the body is a TD report
   */
  public SgxReport sgxReport() throws MalformedEvidenceException {
    if (bodyType != 1) {
      throw new MalformedEvidenceException("quote.body_type", "body type " + bodyType + " is not an SGX enclave report");
    }
    return SgxReport.parse(reportBody.toByteArray(), "quote.body");
  }

  /** The Quoting Enclave's report, signed by the PCK key: its ISVSVN is the QE's security version. */
  public SgxReport qeReportBody() throws MalformedEvidenceException {
    return SgxReport.parse(qeReport, "quote.qe_report");
  }

  /** Real quotes, padding included, are under 10 KiB. */
  static final int MAX_SIZE = 64 * 1024;

  public static DcapQuote parse(byte[] q) throws MalformedEvidenceException {
    if (q.length > MAX_SIZE) {
      throw new MalformedEvidenceException("quote", "larger than " + MAX_SIZE + " bytes");
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(q).order(ByteOrder.LITTLE_ENDIAN);
      int version = b.getShort() & 0xFFFF;
      int keyType = b.getShort() & 0xFFFF;
      int teeType = b.getInt();
      int qeSvn = b.getShort() & 0xFFFF;
      int pceSvn = b.getShort() & 0xFFFF;
      byte[] vendor = new byte[16];
      b.get(vendor);
      b.position(HEADER);
      if (keyType != 2) {
        throw new MalformedEvidenceException("quote.att_key_type", "must be 2 (ECDSA P-256), got " + keyType);
      }
      if (teeType != TEE_SGX && teeType != TEE_TDX) {
        throw new MalformedEvidenceException("quote.tee_type", String.format("0x%08x is neither SGX (0x00000000) nor TDX (0x00000081)", teeType));
      }
      if (!INTEL_QE_VENDOR_ID.contentEquals(vendor)) {
        throw new MalformedEvidenceException("quote.qe_vendor_id", "is " + HexFormat.of().formatHex(vendor) + ", not Intel's quoting enclave " + INTEL_QE_VENDOR_ID.hex());
      }
      int bodyType;
      int bodySize;
      switch (version) {
        case 3 -> {
          if (teeType != TEE_SGX) {
            throw new MalformedEvidenceException("quote.tee_type", "a version 3 quote must be SGX");
          }
          bodyType = 1;
          bodySize = SGX_REPORT;
        }
        case 4 -> {
          if (teeType != TEE_TDX) {
            throw new MalformedEvidenceException("quote.tee_type", "Cloister reads version 4 quotes for TDX only");
          }
          bodyType = 2;
          bodySize = TD_REPORT_10;
        }
        case 5 -> {
          bodyType = b.getShort() & 0xFFFF;
          bodySize = b.getInt();
          int expected = switch (bodyType) {
            case 1 -> SGX_REPORT;
            case 2 -> TD_REPORT_10;
            case 3 -> TD_REPORT_15;
            default -> throw new MalformedEvidenceException("quote.body_type", "unknown body type " + bodyType);
          };
          if (bodySize != expected) {
            throw new MalformedEvidenceException("quote.body_size", "body type " + bodyType + " is " + expected + " bytes, header says " + bodySize);
          }
          // The header's TEE type and the body must agree: otherwise tdx() and the body would tell two stories.
          if ((teeType == TEE_SGX) != (bodyType == 1)) {
            throw new MalformedEvidenceException("quote.tee_type", (teeType == TEE_SGX ? "SGX" : "TDX") + " in the header, but body type " + bodyType
                + (bodyType == 1 ? " is an SGX enclave report" : " is a TD report"));
          }
        }
        default -> throw new MalformedEvidenceException("quote.version", "unsupported quote version " + version + " (supported: 3, 4, 5)");
      }
      int bodyStart = b.position();
      byte[] body = new byte[bodySize];
      b.get(body);
      byte[] signed = Arrays.copyOfRange(q, 0, b.position());
      int sigLen = b.getInt();
      if (sigLen < 0 || sigLen > b.remaining()) {
        throw new MalformedEvidenceException("quote.signature_data_len", sigLen + " exceeds the quote");
      }
      ByteBuffer s = ByteBuffer.wrap(q, b.position(), sigLen).slice().order(ByteOrder.LITTLE_ENDIAN);
      byte[] sig = bytes(s, 64);
      byte[] key = bytes(s, 64);
      int certType = s.getShort() & 0xFFFF;
      int certSize = s.getInt();
      if (version >= 4) {
        if (certType != 6) {
          throw new MalformedEvidenceException("quote.certification_data.type", "must be 6 (QE report certification data), got " + certType);
        }
        if (certSize < 0 || certSize > s.remaining()) {
          throw new MalformedEvidenceException("quote.certification_data.size", "exceeds the signature data");
        }
        s = s.slice(s.position(), certSize).order(ByteOrder.LITTLE_ENDIAN);
      } else {
        s.position(s.position() - 6); // v3 places the QE report directly after the attestation key
      }
      byte[] qeReport = bytes(s, SGX_REPORT);
      byte[] qeSig = bytes(s, 64);
      int authLen = s.getShort() & 0xFFFF;
      byte[] auth = bytes(s, authLen);
      int pckType = s.getShort() & 0xFFFF;
      int pckSize = s.getInt();
      if (pckType != 5) {
        throw new MalformedEvidenceException("quote.pck_cert_chain.type", "must be 5 (PEM PCK chain), got " + pckType);
      }
      if (pckSize < 0 || pckSize > s.remaining()) {
        throw new MalformedEvidenceException("quote.pck_cert_chain.size", "exceeds the certification data");
      }
      byte[] pem = bytes(s, pckSize);
      List<X509Certificate> chain = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(trimNul(pem)))) {
        chain.add((X509Certificate) c);
      }
      if (chain.size() != PCK_CHAIN_LENGTH) {
        throw new MalformedEvidenceException("quote.pck_cert_chain", "holds " + chain.size() + " certificates; it must be exactly the PCK certificate, the PCK CA and the root CA");
      }
      if (bodyStart < HEADER) {
        throw new MalformedEvidenceException("quote", "inconsistent layout");
      }
      return new DcapQuote(version, teeType, qeSvn, pceSvn, Octets.copyOf(vendor), signed, Octets.copyOf(body), bodyType, sig, key, qeReport,
          qeSig, auth, chain);
    } catch (BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException e) {
      throw new MalformedEvidenceException("quote", "truncated or inconsistent lengths");
    } catch (GeneralSecurityException e) {
      throw new MalformedEvidenceException("quote.pck_cert_chain", "not a PEM certificate chain");
    }
  }

  private static byte[] bytes(ByteBuffer b, int n) {
    if (n < 0 || n > b.remaining()) {
      throw new IllegalArgumentException("length");
    }
    byte[] out = new byte[n];
    b.get(out);
    return out;
  }

  private static byte[] trimNul(byte[] pem) {
    int end = pem.length;
    while (end > 0 && pem[end - 1] == 0) {
      end--;
    }
    return Arrays.copyOf(pem, end);
  }
}
