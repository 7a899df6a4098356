package dev.cloister.attestation.dcap.tcb;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;

/**
 * The Intel SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1): the platform's TCB as
 * Intel certified it, which is what TCB levels are matched against (not what the quote claims).
 *
 * @param ppid platform provisioning ID (16 bytes)
 * @param sgxTcbComponents the 16 SGX TCB component SVNs
 * @param pceSvn the PCE SVN the certificate was issued for
 * @param cpuSvn the CPUSVN (16 bytes)
 * @param pceId the PCE ID (2 bytes)
 * @param fmspc the platform family (6 bytes)
 * @param sgxType 0 standard, 1 scalable, 2 scalable with integrity
 */
public record PckExtensions(Octets ppid, int[] sgxTcbComponents, int pceSvn, Octets cpuSvn, Octets pceId, Octets fmspc, int sgxType) {
  public static final String SGX_EXTENSIONS_OID = "1.2.840.113741.1.13.1";
  private static final String FIELD = "quote.pck_cert.sgx_extensions";

  public PckExtensions {
    sgxTcbComponents = sgxTcbComponents.clone();
  }

  @Override
  public int[] sgxTcbComponents() {
    return sgxTcbComponents.clone();
  }

  public static PckExtensions of(X509Certificate pck) throws MalformedEvidenceException {
    byte[] wrapped = pck.getExtensionValue(SGX_EXTENSIONS_OID);
    if (wrapped == null) {
      throw new MalformedEvidenceException(FIELD, "the PCK certificate has no Intel SGX extension");
    }
    try {
      Map<String, ASN1Encodable> top = entries(ASN1Sequence.getInstance(ASN1OctetString.getInstance(wrapped).getOctets()), FIELD);
      Map<String, ASN1Encodable> tcb = entries(ASN1Sequence.getInstance(require(top, ".2", FIELD + ".tcb")), FIELD + ".tcb");
      int[] comps = new int[16];
      for (int i = 0; i < 16; i++) {
        comps[i] = smallInt(require(tcb, ".2." + (i + 1), FIELD + ".tcb.sgxtcbcomp" + (i + 1) + "svn"), 0xFF, FIELD + ".tcb.sgxtcbcomp" + (i + 1) + "svn");
      }
      int pceSvn = smallInt(require(tcb, ".2.17", FIELD + ".tcb.pcesvn"), 0xFFFF, FIELD + ".tcb.pcesvn");
      Octets cpuSvn = octets(require(tcb, ".2.18", FIELD + ".tcb.cpusvn"), 16, FIELD + ".tcb.cpusvn");
      Octets ppid = octets(require(top, ".1", FIELD + ".ppid"), 16, FIELD + ".ppid");
      Octets pceId = octets(require(top, ".3", FIELD + ".pceid"), 2, FIELD + ".pceid");
      Octets fmspc = octets(require(top, ".4", FIELD + ".fmspc"), 6, FIELD + ".fmspc");
      ASN1Encodable type = require(top, ".5", FIELD + ".sgx_type");
      if (!(type.toASN1Primitive() instanceof ASN1Enumerated e)) {
        throw new MalformedEvidenceException(FIELD + ".sgx_type", "must be an ENUMERATED");
      }
      return new PckExtensions(ppid, comps, pceSvn, cpuSvn, pceId, fmspc, e.intValueExact());
    } catch (IllegalArgumentException | ArithmeticException | ClassCastException e) {
      throw new MalformedEvidenceException(FIELD, "not the DER structure Intel specifies");
    }
  }

  /** OID (relative to the SGX extension OID) to value, rejecting duplicates and foreign OIDs. */
  private static Map<String, ASN1Encodable> entries(ASN1Sequence seq, String field) throws MalformedEvidenceException {
    Map<String, ASN1Encodable> out = new HashMap<>();
    for (ASN1Encodable e : seq) {
      ASN1Sequence pair = ASN1Sequence.getInstance(e);
      if (pair.size() != 2) {
        throw new MalformedEvidenceException(field, "each entry must be an (OID, value) pair");
      }
      String oid = ASN1ObjectIdentifier.getInstance(pair.getObjectAt(0)).getId();
      if (!oid.startsWith(SGX_EXTENSIONS_OID + ".")) {
        throw new MalformedEvidenceException(field, "foreign OID " + oid);
      }
      if (out.put(oid.substring(SGX_EXTENSIONS_OID.length()), pair.getObjectAt(1)) != null) {
        throw new MalformedEvidenceException(field, "OID " + oid + " appears twice");
      }
    }
    return out;
  }

  private static ASN1Encodable require(Map<String, ASN1Encodable> m, String oid, String field) throws MalformedEvidenceException {
    ASN1Encodable v = m.get(oid);
    if (v == null) {
      throw new MalformedEvidenceException(field, "missing");
    }
    return v;
  }

  private static int smallInt(ASN1Encodable v, int max, String field) throws MalformedEvidenceException {
    ASN1Primitive p = v.toASN1Primitive();
    if (!(p instanceof ASN1Integer i) || i.getValue().signum() < 0 || i.getValue().bitLength() > 16 || i.intValueExact() > max) {
      throw new MalformedEvidenceException(field, "must be an INTEGER in 0.." + max);
    }
    return i.intValueExact();
  }

  private static Octets octets(ASN1Encodable v, int length, String field) throws MalformedEvidenceException {
    if (!(v.toASN1Primitive() instanceof ASN1OctetString s) || s.getOctets().length != length) {
      throw new MalformedEvidenceException(field, "must be an OCTET STRING of " + length + " bytes");
    }
    return Octets.copyOf(s.getOctets());
  }
}
