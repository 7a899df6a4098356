package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.TcbVersion;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;

/**
 * The AMD extensions of a VCEK or VLEK certificate (AMD "VCEK Certificate and KDS Interface
 * Specification", OIDs under 1.3.6.1.4.1.3704.1).
 *
 * @param structVersion 1.3.6.1.4.1.3704.1.1 (0 when absent)
 * @param productName 1.3.6.1.4.1.3704.1.2, e.g. {@code "Milan-B0"}
 * @param product the product line the name designates
 * @param tcb the TCB the certificate was issued for, encoded with {@code product}'s layout from
 *     blSPL (.3.1), teeSPL (.3.2), snpSPL (.3.3), ucodeSPL (.3.8) and, on Turin, fmcSPL (.3.9)
 * @param hwid 1.3.6.1.4.1.3704.1.4, the chip ID (64 bytes; 8 on Turin); absent on a VLEK
 * @param cspId 1.3.6.1.4.1.3704.1.5, the cloud provider of a VLEK; absent on a VCEK
 */
public record VekExtensions(
    int structVersion,
    String productName,
    ProductLine product,
    TcbVersion tcb,
    Optional<Octets> hwid,
    Optional<String> cspId) {

  private static final String AMD = "1.3.6.1.4.1.3704.1.";

  /**
   * Reads the extensions. Values are DER inside the extension's OCTET STRING; the hwID is either
   * raw bytes (as AMD KDS issues it) or wrapped in a further OCTET STRING (as some tools do).
   *
   * @throws VerificationException naming the extension that is missing or malformed
   */
  public static VekExtensions from(X509Certificate vek) throws VerificationException {
    String productName = string(vek, "2", "vek.product_name")
        .orElseThrow(() -> new VerificationException("vek.product_name", "extension " + AMD + "2 missing"));
    ProductLine product = ProductLine.fromName(productName)
        .orElseThrow(() -> new VerificationException("vek.product_name", "unknown product '" + productName + "'"));
    int structVersion = integer(vek, "1", "vek.struct_version").orElse(0);
    int bl = requiredSpl(vek, "3.1", "vek.bl_spl");
    int tee = requiredSpl(vek, "3.2", "vek.tee_spl");
    int snp = requiredSpl(vek, "3.3", "vek.snp_spl");
    int ucode = requiredSpl(vek, "3.8", "vek.ucode_spl");
    int fmc = product == ProductLine.TURIN ? requiredSpl(vek, "3.9", "vek.fmc_spl") : 0;
    TcbVersion tcb;
    try {
      tcb = TcbVersion.of(product, fmc, bl, tee, snp, ucode);
    } catch (IllegalArgumentException e) {
      throw new VerificationException("vek.tcb", e.getMessage());
    }
    Optional<Octets> hwid = hwid(vek, product);
    Optional<String> cspId = string(vek, "5", "vek.csp_id");
    return new VekExtensions(structVersion, productName, product, tcb, hwid, cspId);
  }

  private static Optional<ASN1Primitive> value(X509Certificate c, String arc, String field) throws VerificationException {
    byte[] ext = c.getExtensionValue(AMD + arc);
    if (ext == null) {
      return Optional.empty();
    }
    try {
      byte[] inner = ASN1OctetString.getInstance(ext).getOctets();
      return Optional.of(ASN1Primitive.fromByteArray(inner));
    } catch (IOException | IllegalArgumentException e) {
      throw new VerificationException(field, "extension " + AMD + arc + " is not valid DER");
    }
  }

  private static Optional<Integer> integer(X509Certificate c, String arc, String field) throws VerificationException {
    Optional<ASN1Primitive> v = value(c, arc, field);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (!(v.get() instanceof ASN1Integer i) || i.getValue().bitLength() > 31 || i.getValue().signum() < 0) {
      throw new VerificationException(field, "extension " + AMD + arc + " must be a small non-negative INTEGER");
    }
    return Optional.of(i.getValue().intValueExact());
  }

  private static int requiredSpl(X509Certificate c, String arc, String field) throws VerificationException {
    int v = integer(c, arc, field).orElseThrow(() -> new VerificationException(field, "extension " + AMD + arc + " missing"));
    if (v > 0xFF) {
      throw new VerificationException(field, "SPL " + v + " exceeds 255");
    }
    return v;
  }

  private static Optional<String> string(X509Certificate c, String arc, String field) throws VerificationException {
    Optional<ASN1Primitive> v = value(c, arc, field);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (!(v.get() instanceof ASN1IA5String s)) {
      throw new VerificationException(field, "extension " + AMD + arc + " must be an IA5String");
    }
    return Optional.of(s.getString());
  }

  private static Optional<Octets> hwid(X509Certificate c, ProductLine product) throws VerificationException {
    byte[] ext = c.getExtensionValue(AMD + "4");
    if (ext == null) {
      return Optional.empty();
    }
    int expected = product == ProductLine.TURIN ? 8 : 64;
    byte[] raw;
    try {
      raw = ASN1OctetString.getInstance(ext).getOctets();
    } catch (IllegalArgumentException e) {
      throw new VerificationException("vek.hwid", "extension " + AMD + "4 is not an OCTET STRING");
    }
    if (raw.length == expected + 2 && raw[0] == 0x04 && raw[1] == expected) {
      return Optional.of(Octets.copyOfRange(raw, 2, raw.length)); // wrapped form
    }
    if (raw.length != expected) {
      throw new VerificationException("vek.hwid", "must be " + expected + " bytes for " + product.kdsName() + ", got " + raw.length);
    }
    return Optional.of(Octets.copyOf(raw));
  }
}
