package dev.cloister.attestation.dcap.appraise;

import dev.cloister.attestation.Octets;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;

/**
 * The two facts the appraisal reads from a PCK certificate's SGX extension (Intel SGX PCK
 * Certificate and CRL Profile, OID 1.2.840.113741.1.13.1): the PCESVN of the TCB the key was
 * certified for (…1.2.17) and the FMSPC (…1.4). TDX quote headers leave the PCE SVN field
 * reserved (zero), so the certificate is the authoritative source for both quote kinds.
 */
record PckFacts(Optional<Integer> pceSvn, Optional<Octets> fmspc) {
  static final String SGX_EXTENSION = "1.2.840.113741.1.13.1";
  private static final ASN1ObjectIdentifier TCB = new ASN1ObjectIdentifier(SGX_EXTENSION + ".2");
  private static final ASN1ObjectIdentifier PCESVN = new ASN1ObjectIdentifier(SGX_EXTENSION + ".2.17");
  private static final ASN1ObjectIdentifier FMSPC = new ASN1ObjectIdentifier(SGX_EXTENSION + ".4");

  /** Reads the facts; a certificate without a readable extension yields empty facts (checks on them fail closed). */
  static PckFacts of(X509Certificate pck) {
    byte[] ext = pck.getExtensionValue(SGX_EXTENSION);
    if (ext == null) {
      return new PckFacts(Optional.empty(), Optional.empty());
    }
    Optional<Integer> pceSvn = Optional.empty();
    Optional<Octets> fmspc = Optional.empty();
    try {
      ASN1Primitive inner = ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(ext).getOctets());
      for (ASN1Encodable e : ASN1Sequence.getInstance(inner)) {
        ASN1Sequence pair = ASN1Sequence.getInstance(e);
        if (pair.size() != 2) {
          continue;
        }
        ASN1ObjectIdentifier oid = ASN1ObjectIdentifier.getInstance(pair.getObjectAt(0));
        if (oid.equals(FMSPC)) {
          fmspc = Optional.of(Octets.copyOf(ASN1OctetString.getInstance(pair.getObjectAt(1)).getOctets()));
        } else if (oid.equals(TCB)) {
          for (ASN1Encodable c : ASN1Sequence.getInstance(pair.getObjectAt(1))) {
            ASN1Sequence comp = ASN1Sequence.getInstance(c);
            if (comp.size() == 2 && PCESVN.equals(comp.getObjectAt(0))) {
              int v = ASN1Integer.getInstance(comp.getObjectAt(1)).intValueExact();
              if (v >= 0 && v <= 0xFFFF) {
                pceSvn = Optional.of(v);
              }
            }
          }
        }
      }
    } catch (IOException | IllegalArgumentException | ArithmeticException | ClassCastException e) {
      return new PckFacts(Optional.empty(), Optional.empty());
    }
    return new PckFacts(pceSvn, fmspc);
  }
}
