package dev.cloister.attestation.dcap.issue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.attestation.dcap.tcb.IntelCollateral;
import dev.cloister.attestation.dcap.tcb.PckExtensions;
import dev.cloister.attestation.dcap.tcb.TcbStatus;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues DCAP evidence in Intel's exact shape under a root that is <strong>not Intel's</strong>:
 * the PKI (root CA, PCK Platform CA, PCK certificates with the Intel SGX extension, TCB Signing
 * certificate), TDX v4/v5 and SGX v3 quotes with every signature real, and signed collateral (TCB
 * info, QE identity, root CA and PCK CRLs) whose TCB levels the caller chooses. The simulated TDX
 * platform and the tests' fake platform are both built on it; only their names, keys and randomness
 * differ.
 *
 * <p>Its root is never trusted by default: {@link dev.cloister.attestation.dcap.VerifiedDcapQuote#platform()}
 * labels any root other than Intel's pinned one {@code simulated}, and a verifier accepts such a
 * quote only when the caller passes the root explicitly.
 *
 * <p>Misuse (wrong lengths, a TD field on an SGX quote) throws {@link IllegalArgumentException} or
 * {@link IllegalStateException} naming the field.
 */
public final class DcapIssuer {
  // First: the constants below are computed with it.
  private static final HexFormat HEX = HexFormat.of();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Intel's QE vendor ID, which real quotes carry in their header. */
  public static final String INTEL_QE_VENDOR_ID = "939a7233f79c4ca9940a0db3957f0607";
  /** The issued quoting enclave's MRSIGNER (SHA-256 of a label: recognisably not Intel's). */
  public static final String DEFAULT_QE_MRSIGNER = sha256Hex("Cloister fake quoting enclave signer");
  /** Intel's product IDs: 1 for the SGX QE, 2 for the TD QE. */
  public static final int SGX_QE_PRODID = 1;
  public static final int TD_QE_PRODID = 2;
  /** QE report attributes (INIT | MODE64BIT) and the identity mask Intel publishes for them. */
  public static final String DEFAULT_QE_ATTRIBUTES = "11000000000000000000000000000000";
  public static final String DEFAULT_QE_ATTRIBUTES_MASK = "fbffffffffffffff0000000000000000";
  /** Intel signs its TDX modules with an all-zero MRSIGNERSEAM; the issuer does the same by default. */
  public static final String DEFAULT_MRSIGNERSEAM = "00".repeat(48);

  /** Whose CRL, or which key signs one. */
  public enum Issuer { ROOT, PCK_CA }

  /** The TEE a quote, TCB info or QE identity is for. */
  public enum Tee { SGX, TDX }

  /**
   * The certificates' common names and the rest of every subject. The PCK certificate's CN must
   * contain "SGX PCK Certificate", the PCK CA's "CA" and the TCB Signing certificate's "Intel SGX TCB
   * Signing": Intel's library (and Cloister's verifier) accept each certificate only in the role its
   * name says, so evidence failing that could not reach any later check. The root's CN and the
   * suffix (organisation, unit) say whose it is.
   *
   * @param dnSuffix appended to each {@code CN=...}, e.g. {@code ",OU=SIMULATED,O=Cloister,C=US"}
   */
  public record Names(String rootCn, String pckCaCn, String pckCn, String tcbSigningCn, String dnSuffix) {
    public Names {
      Objects.requireNonNull(rootCn, "rootCn");
      Objects.requireNonNull(dnSuffix, "dnSuffix");
      if (!pckCn.contains("SGX PCK Certificate") || !pckCaCn.contains("CA") || !tcbSigningCn.contains("Intel SGX TCB Signing")) {
        throw new IllegalArgumentException("names: the PCK, PCK CA and TCB Signing names must say their roles as Intel's do");
      }
    }

    X500Name name(String cn) {
      return new X500Name("CN=" + cn + dnSuffix);
    }
  }

  /**
   * An issuer's keys and certificates, e.g. as a simulated platform keeps them between runs.
   *
   * @param attestation the quoting enclave's attestation key, which signs quotes
   */
  public record Keys(KeyPair root, X509Certificate rootCertificate, KeyPair pckCa, X509Certificate pckCaCertificate, KeyPair tcbSigning,
      X509Certificate tcbSigningCertificate, KeyPair attestation) {
    public Keys {
      Objects.requireNonNull(root, "root");
      Objects.requireNonNull(rootCertificate, "rootCertificate");
      Objects.requireNonNull(pckCa, "pckCa");
      Objects.requireNonNull(pckCaCertificate, "pckCaCertificate");
      Objects.requireNonNull(tcbSigning, "tcbSigning");
      Objects.requireNonNull(tcbSigningCertificate, "tcbSigningCertificate");
      Objects.requireNonNull(attestation, "attestation");
    }

    /** Private keys stay out of logs. */
    @Override
    public String toString() {
      return "DcapIssuer.Keys[root " + rootCertificate.getSubjectX500Principal().getName() + "]";
    }
  }

  private final SecureRandom random;
  private final Instant notBefore;
  private final Instant notAfter;
  private final KeyPair rootKey;
  private final KeyPair pckCaKey;
  private final KeyPair tcbSigningKey;
  private final KeyPair attestationKey;
  private final X509Certificate root;
  private final X509Certificate pckCa;
  private final X509Certificate tcbSigning;
  private final Names names;
  private long nextSerial = 0x1000;

  private DcapIssuer(SecureRandom random, Names names, Keys keys) {
    this.random = random;
    this.names = names;
    this.rootKey = keys.root();
    this.pckCaKey = keys.pckCa();
    this.tcbSigningKey = keys.tcbSigning();
    this.attestationKey = keys.attestation();
    this.root = keys.rootCertificate();
    this.pckCa = keys.pckCaCertificate();
    this.tcbSigning = keys.tcbSigningCertificate();
    this.notBefore = root.getNotBefore().toInstant();
    this.notAfter = root.getNotAfter().toInstant();
  }

  /**
   * A new PKI: four P-256 keys from {@code random} (root, PCK CA, TCB Signing, attestation, in that
   * order, so a seeded generator gives the same PKI every time) and the CA certificates valid from
   * {@code notBefore} to {@code notAfter}.
   */
  public static DcapIssuer create(Names names, SecureRandom random, Instant notBefore, Instant notAfter) {
    Objects.requireNonNull(random, "random");
    if (!Objects.requireNonNull(notBefore, "notBefore").isBefore(Objects.requireNonNull(notAfter, "notAfter"))) {
      throw new IllegalArgumentException("validity: notBefore must be before notAfter");
    }
    KeyPair rootKey = p256(random);
    KeyPair pckCaKey = p256(random);
    KeyPair tcbSigningKey = p256(random);
    KeyPair attestationKey = p256(random);
    X500Name rootName = names.name(names.rootCn());
    X509Certificate root = certificate(random, rootName, rootKey.getPrivate(), rootName, rootKey, BigInteger.ONE, notBefore, notAfter, 1, null);
    X509Certificate pckCa = certificate(random, rootName, rootKey.getPrivate(), names.name(names.pckCaCn()), pckCaKey, BigInteger.TWO, notBefore, notAfter, 0, null);
    X509Certificate tcbSigning = certificate(random, rootName, rootKey.getPrivate(), names.name(names.tcbSigningCn()), tcbSigningKey, BigInteger.valueOf(3),
        notBefore, notAfter, -1, null);
    return new DcapIssuer(random, names, new Keys(rootKey, root, pckCaKey, pckCa, tcbSigningKey, tcbSigning, attestationKey));
  }

  /** An issuer from keys kept earlier (see {@link #keys()}); its validity is the root's. */
  public static DcapIssuer of(Names names, SecureRandom random, Keys keys) {
    return new DcapIssuer(Objects.requireNonNull(random, "random"), Objects.requireNonNull(names, "names"), Objects.requireNonNull(keys, "keys"));
  }

  /** Its keys and certificates, to keep. */
  public Keys keys() {
    return new Keys(rootKey, root, pckCaKey, pckCa, tcbSigningKey, tcbSigning, attestationKey);
  }

  public Names names() {
    return names;
  }

  /** The root: never Intel's; a verifier trusts it only when told to. */
  public X509Certificate root() {
    return root;
  }

  public X509Certificate pckCa() {
    return pckCa;
  }

  public X509Certificate tcbSigning() {
    return tcbSigning;
  }

  /** TCB Signing certificate then root, as Intel serves the TCB info and QE identity issuer chains. */
  public List<X509Certificate> tcbSigningChain() {
    return List.of(tcbSigning, root);
  }

  public Instant notBefore() {
    return notBefore;
  }

  public Instant notAfter() {
    return notAfter;
  }

  // ---------------------------------------------------------------- PCK certificates

  /** A PCK certificate issued by the PCK Platform CA, with its key (kept inside, used to sign QE reports). */
  public static final class Pck {
    private final X509Certificate certificate;
    private final KeyPair key;
    private final int[] components;
    private final int pceSvn;

    private Pck(X509Certificate certificate, KeyPair key, int[] components, int pceSvn) {
      this.certificate = certificate;
      this.key = key;
      this.components = components;
      this.pceSvn = pceSvn;
    }

    public X509Certificate certificate() {
      return certificate;
    }

    public BigInteger serial() {
      return certificate.getSerialNumber();
    }

    public int[] components() {
      return components.clone();
    }

    public int pceSvn() {
      return pceSvn;
    }

    /** The PCK key pair, for a simulated platform to keep between runs. */
    public KeyPair key() {
      return key;
    }

    /** A PCK certificate kept earlier, with its key; its TCB is read from the certificate's SGX extension. */
    public static Pck of(X509Certificate certificate, KeyPair key) {
      PckExtensions ext;
      try {
        ext = PckExtensions.of(certificate);
      } catch (dev.cloister.attestation.MalformedEvidenceException e) {
        throw new IllegalArgumentException("pck: " + e.getMessage(), e);
      }
      return new Pck(certificate, key, ext.sgxTcbComponents(), ext.pceSvn());
    }

    /** The key stays out of logs. */
    @Override
    public String toString() {
      return "Pck[" + certificate.getSubjectX500Principal().getName() + ", serial " + certificate.getSerialNumber() + "]";
    }
  }

  /** Defaults: FMSPC 00806f050000, PCE ID 0000, every component 0, PCE SVN 0, SGX type 0, next serial. */
  public PckBuilder pck() {
    return new PckBuilder();
  }

  public final class PckBuilder {
    private byte[] fmspc = HEX.parseHex("00806f050000");
    private byte[] pceId = HEX.parseHex("0000");
    private int[] components = new int[16];
    private int pceSvn;
    private byte[] cpuSvn;
    private byte[] ppid;
    private int sgxType;
    private BigInteger serial;
    private Instant from = notBefore;
    private Instant to = notAfter;

    private PckBuilder() {}

    public PckBuilder fmspc(String hex) {
      fmspc = hex(hex, 6, "pck.fmspc");
      return this;
    }

    public PckBuilder pceId(String hex) {
      pceId = hex(hex, 2, "pck.pceid");
      return this;
    }

    /** The 16 SGX TCB component SVNs (0..255). CPUSVN defaults to the same bytes, as on real platforms. */
    public PckBuilder components(int... svns) {
      components = svns(svns, "pck.sgx_tcb_components");
      return this;
    }

    public PckBuilder pceSvn(int svn) {
      pceSvn = range(svn, 0xFFFF, "pck.pcesvn");
      return this;
    }

    public PckBuilder cpuSvn(String hex) {
      cpuSvn = hex(hex, 16, "pck.cpusvn");
      return this;
    }

    public PckBuilder ppid(String hex) {
      ppid = hex(hex, 16, "pck.ppid");
      return this;
    }

    /** 0 standard, 1 scalable, 2 scalable with integrity. */
    public PckBuilder sgxType(int type) {
      sgxType = range(type, 2, "pck.sgx_type");
      return this;
    }

    /** A chosen serial, e.g. to revoke it; otherwise the platform's next. */
    public PckBuilder serial(BigInteger serial) {
      if (serial.signum() <= 0) {
        throw new IllegalArgumentException("pck.serial must be positive");
      }
      this.serial = serial;
      return this;
    }

    public PckBuilder validity(Instant from, Instant to) {
      if (!from.isBefore(to)) {
        throw new IllegalArgumentException("pck.validity: from must be before to");
      }
      this.from = from;
      this.to = to;
      return this;
    }

    public Pck issue() {
      KeyPair key = p256(random);
      byte[] cpu = cpuSvn != null ? cpuSvn : componentBytes(components);
      byte[] id = ppid != null ? ppid : bytes(16);
      BigInteger s = serial != null ? serial : BigInteger.valueOf(nextSerial++);
      X509Certificate cert = certificate(random, names.name(names.pckCaCn()), pckCaKey.getPrivate(), names.name(names.pckCn()), key, s, from, to, -1,
          sgxExtension(id, components, pceSvn, cpu, pceId, fmspc, sgxType));
      return new Pck(cert, key, components, pceSvn);
    }
  }

  /** Intel's SGX extension: a SEQUENCE of (OID, value) pairs, the TCB nested the same way. */
  private static DERSequence sgxExtension(byte[] ppid, int[] comps, int pceSvn, byte[] cpuSvn, byte[] pceId, byte[] fmspc, int sgxType) {
    String base = PckExtensions.SGX_EXTENSIONS_OID;
    ASN1EncodableVector tcb = new ASN1EncodableVector();
    for (int i = 0; i < 16; i++) {
      tcb.add(pair(base + ".2." + (i + 1), new ASN1Integer(comps[i])));
    }
    tcb.add(pair(base + ".2.17", new ASN1Integer(pceSvn)));
    tcb.add(pair(base + ".2.18", new DEROctetString(cpuSvn)));
    ASN1EncodableVector top = new ASN1EncodableVector();
    top.add(pair(base + ".1", new DEROctetString(ppid)));
    top.add(pair(base + ".2", new DERSequence(tcb)));
    top.add(pair(base + ".3", new DEROctetString(pceId)));
    top.add(pair(base + ".4", new DEROctetString(fmspc)));
    top.add(pair(base + ".5", new ASN1Enumerated(sgxType)));
    return new DERSequence(top);
  }

  private static DERSequence pair(String oid, ASN1Encodable value) {
    return new DERSequence(new ASN1Encodable[] {new ASN1ObjectIdentifier(oid), value});
  }

  // ---------------------------------------------------------------- CRLs

  /** A CRL in {@code issuer}'s name, signed by its key, valid over the platform's validity, revoking nothing. */
  public CrlBuilder crl(Issuer issuer) {
    return new CrlBuilder(issuer);
  }

  public final class CrlBuilder {
    private final Issuer issuer;
    private Issuer signer;
    private Instant thisUpdate = notBefore;
    private Instant nextUpdate = notAfter;
    private final List<BigInteger> revoked = new ArrayList<>();
    private boolean extensions = true;

    private CrlBuilder(Issuer issuer) {
      this.issuer = Objects.requireNonNull(issuer, "issuer");
      this.signer = issuer;
    }

    public CrlBuilder revoke(BigInteger serial) {
      revoked.add(Objects.requireNonNull(serial, "serial"));
      return this;
    }

    /** thisUpdate and nextUpdate; either may lie outside a test's clock on purpose (not yet valid, expired). */
    public CrlBuilder window(Instant thisUpdate, Instant nextUpdate) {
      if (!thisUpdate.isBefore(nextUpdate)) {
        throw new IllegalArgumentException("crl.window: thisUpdate must be before nextUpdate");
      }
      this.thisUpdate = thisUpdate;
      this.nextUpdate = nextUpdate;
      return this;
    }

    /** Signs with another issuer's key while keeping this issuer's name: a forged CRL. */
    public CrlBuilder signedBy(Issuer signer) {
      this.signer = Objects.requireNonNull(signer, "signer");
      return this;
    }

    /** Leaves out the CRL Number and Authority Key Identifier that Intel's CRLs carry (and Intel's QVL requires). */
    public CrlBuilder withoutExtensions() {
      extensions = false;
      return this;
    }

    public X509CRL build() {
      X509v2CRLBuilder b = new X509v2CRLBuilder(subject(issuer), Date.from(thisUpdate));
      b.setNextUpdate(Date.from(nextUpdate));
      try {
        if (extensions) {
          b.addExtension(Extension.cRLNumber, false, new ASN1Integer(1));
          b.addExtension(Extension.authorityKeyIdentifier, false,
              new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(key(issuer).getPublic()));
        }
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalStateException("cannot encode the CRL's extensions", e);
      }
      for (BigInteger s : revoked) {
        b.addCRLEntry(s, Date.from(thisUpdate), CRLReason.keyCompromise);
      }
      try {
        return new JcaX509CRLConverter().getCRL(b.build(signer(random, key(signer).getPrivate())));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot encode the CRL", e);
      }
    }
  }

  private KeyPair key(Issuer i) {
    return i == Issuer.ROOT ? rootKey : pckCaKey;
  }

  private X500Name subject(Issuer i) {
    return X500Name.getInstance((i == Issuer.ROOT ? root : pckCa).getSubjectX500Principal().getEncoded());
  }

  // ---------------------------------------------------------------- quotes

  /** A TDX version 4 quote (TD report 1.0) attested through {@code pck}. */
  public QuoteBuilder tdxV4(Pck pck) {
    return new QuoteBuilder(4, 2, pck);
  }

  /** A TDX version 5 quote with body type 3 (TD report 1.5, with TEE_TCB_SVN2 and MRSERVICETD). */
  public QuoteBuilder tdxV5(Pck pck) {
    return new QuoteBuilder(5, 3, pck);
  }

  /** An SGX version 3 quote (enclave report body). */
  public QuoteBuilder sgxV3(Pck pck) {
    return new QuoteBuilder(3, 1, pck);
  }

  /**
   * A quote's header, body and QE report fields. Defaults: QE SVN 0, PCE SVN the PCK's, Intel's QE
   * vendor ID, a zero body (MRSIGNERSEAM zero as Intel's), a QE report with
   * {@link #DEFAULT_QE_MRSIGNER}, Intel's product ID for the TEE, ISVSVN 0 and
   * {@link #DEFAULT_QE_ATTRIBUTES}, and 32 bytes of QE authentication data. A TD 1.5 quote's
   * TEE_TCB_SVN2 defaults to its TEE_TCB_SVN (a TD launched on the current module).
   */
  public final class QuoteBuilder {
    private final int version;
    private final int bodyType;
    private final Pck pck;
    private final byte[] body;
    private final byte[] qeReport = new byte[384];
    private int qeSvn;
    private int pceSvn;
    private byte[] qeVendorId = HEX.parseHex(INTEL_QE_VENDOR_ID);
    private byte[] authData = new byte[32];
    private boolean teeTcbSvn2Set;

    private QuoteBuilder(int version, int bodyType, Pck pck) {
      this.version = version;
      this.bodyType = bodyType;
      this.pck = Objects.requireNonNull(pck, "pck");
      this.body = new byte[switch (bodyType) {
        case 1 -> 384;
        case 2 -> 584;
        default -> 648;
      }];
      this.pceSvn = pck.pceSvn();
      for (int i = 0; i < authData.length; i++) {
        authData[i] = (byte) i;
      }
      qeMrSigner(DEFAULT_QE_MRSIGNER);
      qeIsvProdId(bodyType == 1 ? SGX_QE_PRODID : TD_QE_PRODID);
      qeAttributes(DEFAULT_QE_ATTRIBUTES);
    }

    private boolean tdx() {
      return bodyType != 1;
    }

    // header

    public QuoteBuilder qeSvn(int svn) {
      qeSvn = range(svn, 0xFFFF, "quote.qe_svn");
      return this;
    }

    public QuoteBuilder pceSvn(int svn) {
      pceSvn = range(svn, 0xFFFF, "quote.pce_svn");
      return this;
    }

    public QuoteBuilder qeVendorId(String hex) {
      qeVendorId = hex(hex, 16, "quote.qe_vendor_id");
      return this;
    }

    // QE report and certification data

    public QuoteBuilder qeMrSigner(String hex) {
      return put(qeReport, 128, hex(hex, 32, "quote.qe_report.mrsigner"));
    }

    public QuoteBuilder qeIsvProdId(int id) {
      return le16(qeReport, 256, range(id, 0xFFFF, "quote.qe_report.isvprodid"));
    }

    public QuoteBuilder qeIsvSvn(int svn) {
      return le16(qeReport, 258, range(svn, 0xFFFF, "quote.qe_report.isvsvn"));
    }

    public QuoteBuilder qeAttributes(String hex) {
      return put(qeReport, 48, hex(hex, 16, "quote.qe_report.attributes"));
    }

    public QuoteBuilder qeMiscSelect(int misc) {
      ByteBuffer.wrap(qeReport, 16, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(misc);
      return this;
    }

    public QuoteBuilder qeAuthData(byte[] data) {
      if (data.length > 0xFFFF) {
        throw new IllegalArgumentException("quote.qe_auth_data: at most 65535 bytes");
      }
      authData = data.clone();
      return this;
    }

    // TD report body (TDX quotes)

    /** TEE_TCB_SVN: byte 0 the TDX module ISVSVN, byte 1 its major version, 2..15 the TDX components. */
    public QuoteBuilder teeTcbSvn(int... svns) {
      return put(td("tee_tcb_svn"), 0, componentBytes(svns(svns, "quote.td_report.tee_tcb_svn")));
    }

    /** TEE_TCB_SVN2 (TD report 1.5 only): the SVNs a relaunched TD would report. */
    public QuoteBuilder teeTcbSvn2(int... svns) {
      if (bodyType != 3) {
        throw new IllegalStateException("quote.td_report.tee_tcb_svn2 exists only in a TD report 1.5 (tdxV5)");
      }
      teeTcbSvn2Set = true;
      return put(body, 584, componentBytes(svns(svns, "quote.td_report.tee_tcb_svn2")));
    }

    public QuoteBuilder mrSeam(String hex) {
      return put(td("mrseam"), 16, hex(hex, 48, "quote.td_report.mrseam"));
    }

    public QuoteBuilder mrSignerSeam(String hex) {
      return put(td("mrsignerseam"), 64, hex(hex, 48, "quote.td_report.mrsignerseam"));
    }

    public QuoteBuilder seamAttributes(String hex) {
      return put(td("seam_attributes"), 112, hex(hex, 8, "quote.td_report.seam_attributes"));
    }

    public QuoteBuilder tdAttributes(String hex) {
      return put(td("td_attributes"), 120, hex(hex, 8, "quote.td_report.td_attributes"));
    }

    public QuoteBuilder xfam(String hex) {
      return put(td("xfam"), 128, hex(hex, 8, "quote.td_report.xfam"));
    }

    public QuoteBuilder mrTd(String hex) {
      return put(td("mrtd"), 136, hex(hex, 48, "quote.td_report.mrtd"));
    }

    public QuoteBuilder mrConfigId(String hex) {
      return put(td("mrconfigid"), 184, hex(hex, 48, "quote.td_report.mrconfigid"));
    }

    public QuoteBuilder mrOwner(String hex) {
      return put(td("mrowner"), 232, hex(hex, 48, "quote.td_report.mrowner"));
    }

    public QuoteBuilder mrOwnerConfig(String hex) {
      return put(td("mrownerconfig"), 280, hex(hex, 48, "quote.td_report.mrownerconfig"));
    }

    public QuoteBuilder rtmr(int index, String hex) {
      if (index < 0 || index > 3) {
        throw new IllegalArgumentException("quote.td_report.rtmr index must be 0..3");
      }
      return put(td("rtmr"), 328 + 48 * index, hex(hex, 48, "quote.td_report.rtmr" + index));
    }

    public QuoteBuilder mrServiceTd(String hex) {
      if (bodyType != 3) {
        throw new IllegalStateException("quote.td_report.mrservicetd exists only in a TD report 1.5 (tdxV5)");
      }
      return put(body, 600, hex(hex, 48, "quote.td_report.mrservicetd"));
    }

    // SGX enclave report body (SGX quotes)

    public QuoteBuilder mrEnclave(String hex) {
      return put(sgx("mrenclave"), 64, hex(hex, 32, "quote.body.mrenclave"));
    }

    public QuoteBuilder mrSigner(String hex) {
      return put(sgx("mrsigner"), 128, hex(hex, 32, "quote.body.mrsigner"));
    }

    public QuoteBuilder isvProdId(int id) {
      return le16(sgx("isvprodid"), 256, range(id, 0xFFFF, "quote.body.isvprodid"));
    }

    public QuoteBuilder isvSvn(int svn) {
      return le16(sgx("isvsvn"), 258, range(svn, 0xFFFF, "quote.body.isvsvn"));
    }

    public QuoteBuilder attributes(String hex) {
      return put(sgx("attributes"), 48, hex(hex, 16, "quote.body.attributes"));
    }

    /** REPORT_DATA of either body (offset 520 in a TD report, 320 in an enclave report). */
    public QuoteBuilder reportData(byte[] data) {
      if (data.length != 64) {
        throw new IllegalArgumentException("quote.body.report_data must be 64 bytes, got " + data.length);
      }
      return put(body, tdx() ? 520 : 320, data);
    }

    /** The quote, every signature real: QE report by the PCK key, quote by the platform's attestation key. */
    public byte[] build() {
      byte[] b = body.clone();
      if (bodyType == 3 && !teeTcbSvn2Set) {
        System.arraycopy(b, 0, b, 584, 16);
      }
      byte[] attKey = rawPoint((ECPublicKey) attestationKey.getPublic());
      byte[] qe = qeReport.clone();
      byte[] binding = sha256(concat(attKey, authData));
      System.arraycopy(binding, 0, qe, 320, 32);
      Arrays.fill(qe, 352, 384, (byte) 0);
      byte[] qeSig = sign(pck.key.getPrivate(), qe);

      ByteBuffer signed = ByteBuffer.allocate(48 + (version == 5 ? 6 : 0) + b.length).order(ByteOrder.LITTLE_ENDIAN);
      signed.putShort((short) version).putShort((short) 2).putInt(tdx() ? 0x81 : 0).putShort((short) qeSvn).putShort((short) pceSvn)
          .put(qeVendorId).put(new byte[20]);
      if (version == 5) {
        signed.putShort((short) bodyType).putInt(b.length);
      }
      signed.put(b);
      byte[] signedRegion = signed.array();
      byte[] quoteSig = sign(attestationKey.getPrivate(), signedRegion);

      byte[] pem = pem(List.of(pck.certificate, pckCa, root));
      ByteBuffer qeCert = ByteBuffer.allocate(384 + 64 + 2 + authData.length + 6 + pem.length).order(ByteOrder.LITTLE_ENDIAN);
      qeCert.put(qe).put(qeSig).putShort((short) authData.length).put(authData).putShort((short) 5).putInt(pem.length).put(pem);
      byte[] qeCertData = qeCert.array();
      // v4 and v5 wrap the QE report data in certification data type 6; v3 places it right after the key.
      int sigLen = 128 + (version >= 4 ? 6 : 0) + qeCertData.length;
      ByteBuffer q = ByteBuffer.allocate(signedRegion.length + 4 + sigLen).order(ByteOrder.LITTLE_ENDIAN);
      q.put(signedRegion).putInt(sigLen).put(quoteSig).put(attKey);
      if (version >= 4) {
        q.putShort((short) 6).putInt(qeCertData.length);
      }
      q.put(qeCertData);
      return q.array();
    }

    private byte[] td(String field) {
      if (!tdx()) {
        throw new IllegalStateException("quote.td_report." + field + " is a TD report field; this is an SGX quote");
      }
      return body;
    }

    private byte[] sgx(String field) {
      if (tdx()) {
        throw new IllegalStateException("quote.body." + field + " is an SGX enclave report field; this is a TDX quote");
      }
      return body;
    }

    private QuoteBuilder put(byte[] target, int offset, byte[] value) {
      System.arraycopy(value, 0, target, offset, value.length);
      return this;
    }

    private QuoteBuilder le16(byte[] target, int offset, int value) {
      target[offset] = (byte) value;
      target[offset + 1] = (byte) (value >>> 8);
      return this;
    }
  }

  // ---------------------------------------------------------------- collateral

  /** One platform TCB level of a TCB info document. Defaults: every SVN 0, tcbDate the platform's notBefore, no advisories. */
  public static TcbLevel level(TcbStatus status) {
    return new TcbLevel(status);
  }

  public static final class TcbLevel {
    private final TcbStatus status;
    private int[] sgx = new int[16];
    private int pceSvn;
    private int[] tdx = new int[16];
    private Instant date;
    private List<String> advisories = List.of();

    private TcbLevel(TcbStatus status) {
      this.status = platformStatus(status, "tcb_info.tcbLevels.tcbStatus");
    }

    public TcbLevel sgx(int... svns) {
      sgx = svns(svns, "tcb_info.tcbLevels.sgxtcbcomponents");
      return this;
    }

    public TcbLevel pceSvn(int svn) {
      pceSvn = range(svn, 0xFFFF, "tcb_info.tcbLevels.pcesvn");
      return this;
    }

    /** TDX components (TDX TCB info only; ignored in SGX TCB info). */
    public TcbLevel tdx(int... svns) {
      tdx = svns(svns, "tcb_info.tcbLevels.tdxtcbcomponents");
      return this;
    }

    public TcbLevel date(Instant tcbDate) {
      date = Objects.requireNonNull(tcbDate, "tcbDate");
      return this;
    }

    public TcbLevel advisories(String... ids) {
      advisories = List.of(ids);
      return this;
    }
  }

  /** The identity {@code TDX_<version, two hex digits>} of one TDX module major version. Defaults: Intel's MRSIGNERSEAM (zero), attributes 0 under an all-ones mask. */
  public static ModuleIdentity moduleIdentity(int version) {
    return new ModuleIdentity(String.format("TDX_%02X", range(version, 0xFF, "tcb_info.tdxModuleIdentities.version")));
  }

  public static final class ModuleIdentity {
    private final String id;
    private String mrsigner = DEFAULT_MRSIGNERSEAM;
    private String attributes = "0000000000000000";
    private String attributesMask = "ffffffffffffffff";
    private final List<IsvLevel> levels = new ArrayList<>();

    private ModuleIdentity(String id) {
      this.id = id;
    }

    public ModuleIdentity mrsigner(String hex) {
      mrsigner = HEX.formatHex(hex(hex, 48, "tcb_info.tdxModuleIdentities.mrsigner"));
      return this;
    }

    public ModuleIdentity attributes(String hex, String mask) {
      attributes = HEX.formatHex(hex(hex, 8, "tcb_info.tdxModuleIdentities.attributes"));
      attributesMask = HEX.formatHex(hex(mask, 8, "tcb_info.tdxModuleIdentities.attributesMask"));
      return this;
    }

    /** A module level: the lowest module ISVSVN that earns {@code status} (UpToDate, OutOfDate or Revoked). */
    public ModuleIdentity level(int isvSvn, TcbStatus status, String... advisories) {
      levels.add(new IsvLevel(range(isvSvn, 0xFF, "tcb_info.tdxModuleIdentities.tcbLevels.isvsvn"), isvStatus(status, "tcb_info.tdxModuleIdentities.tcbLevels.tcbStatus"),
          List.of(advisories)));
      return this;
    }
  }

  private record IsvLevel(int isvSvn, TcbStatus status, List<String> advisories) {}

  /** TCB info for {@code tee}, FMSPC and PCE ID taken from {@code pck}'s defaults unless set. */
  public TcbInfoBuilder tcbInfo(Tee tee, Pck pck) {
    PckExtensions ext;
    try {
      ext = PckExtensions.of(pck.certificate);
    } catch (dev.cloister.attestation.MalformedEvidenceException e) {
      throw new IllegalStateException("the issuer's own PCK certificate does not parse", e);
    }
    return new TcbInfoBuilder(tee).fmspc(ext.fmspc().hex()).pceId(ext.pceId().hex());
  }

  /**
   * TCB info JSON (SGX or TDX, version 3), levels in the order added (the verifier must not care),
   * signed by the TCB Signing key over the exact bytes. Defaults: issueDate and nextUpdate the
   * platform's validity, evaluation data number 1, TDX module with Intel's zero MRSIGNERSEAM.
   */
  public final class TcbInfoBuilder {
    private final Tee tee;
    private String fmspc = "00806f050000";
    private String pceId = "0000";
    private Instant issueDate = notBefore;
    private Instant nextUpdate = notAfter;
    private int evaluationNumber = 1;
    private String moduleMrsigner = DEFAULT_MRSIGNERSEAM;
    private String moduleAttributes = "0000000000000000";
    private String moduleMask = "ffffffffffffffff";
    private final List<TcbLevel> levels = new ArrayList<>();
    private final List<ModuleIdentity> identities = new ArrayList<>();

    private TcbInfoBuilder(Tee tee) {
      this.tee = Objects.requireNonNull(tee, "tee");
    }

    public TcbInfoBuilder fmspc(String hex) {
      fmspc = HEX.formatHex(hex(hex, 6, "tcb_info.fmspc"));
      return this;
    }

    public TcbInfoBuilder pceId(String hex) {
      pceId = HEX.formatHex(hex(hex, 2, "tcb_info.pceId"));
      return this;
    }

    public TcbInfoBuilder window(Instant issueDate, Instant nextUpdate) {
      if (!issueDate.isBefore(nextUpdate)) {
        throw new IllegalArgumentException("tcb_info: issueDate must be before nextUpdate");
      }
      this.issueDate = issueDate;
      this.nextUpdate = nextUpdate;
      return this;
    }

    public TcbInfoBuilder evaluationDataNumber(int n) {
      evaluationNumber = range(n, Integer.MAX_VALUE, "tcb_info.tcbEvaluationDataNumber");
      return this;
    }

    public TcbInfoBuilder level(TcbLevel level) {
      levels.add(Objects.requireNonNull(level, "level"));
      return this;
    }

    public TcbInfoBuilder levels(List<TcbLevel> all) {
      all.forEach(this::level);
      return this;
    }

    /** The base TDX module (used when TEE_TCB_SVN[1] is 0). */
    public TcbInfoBuilder tdxModule(String mrsigner, String attributes, String mask) {
      requireTdx("tdxModule");
      moduleMrsigner = HEX.formatHex(hex(mrsigner, 48, "tcb_info.tdxModule.mrsigner"));
      moduleAttributes = HEX.formatHex(hex(attributes, 8, "tcb_info.tdxModule.attributes"));
      moduleMask = HEX.formatHex(hex(mask, 8, "tcb_info.tdxModule.attributesMask"));
      return this;
    }

    public TcbInfoBuilder moduleIdentity(ModuleIdentity identity) {
      requireTdx("tdxModuleIdentities");
      identities.add(Objects.requireNonNull(identity, "identity"));
      return this;
    }

    /** The exact bytes to be signed. */
    public byte[] json() {
      if (levels.isEmpty()) {
        throw new IllegalStateException("tcb_info.tcbLevels: add at least one level");
      }
      ObjectNode n = JSON.createObjectNode();
      n.put("id", tee.name());
      n.put("version", 3);
      n.put("issueDate", issueDate.toString());
      n.put("nextUpdate", nextUpdate.toString());
      n.put("fmspc", fmspc);
      n.put("pceId", pceId);
      n.put("tcbType", 0);
      n.put("tcbEvaluationDataNumber", evaluationNumber);
      if (tee == Tee.TDX) {
        ObjectNode m = n.putObject("tdxModule");
        m.put("mrsigner", moduleMrsigner);
        m.put("attributes", moduleAttributes);
        m.put("attributesMask", moduleMask);
        ArrayNode ids = n.putArray("tdxModuleIdentities");
        for (ModuleIdentity id : identities) {
          ObjectNode i = ids.addObject();
          i.put("id", id.id);
          i.put("mrsigner", id.mrsigner);
          i.put("attributes", id.attributes);
          i.put("attributesMask", id.attributesMask);
          isvLevels(i.putArray("tcbLevels"), id.levels);
        }
      }
      ArrayNode ls = n.putArray("tcbLevels");
      for (TcbLevel l : levels) {
        ObjectNode o = ls.addObject();
        ObjectNode tcb = o.putObject("tcb");
        components(tcb.putArray("sgxtcbcomponents"), l.sgx);
        if (tee == Tee.TDX) {
          components(tcb.putArray("tdxtcbcomponents"), l.tdx);
        }
        tcb.put("pcesvn", l.pceSvn);
        o.put("tcbDate", (l.date != null ? l.date : notBefore).toString());
        o.put("tcbStatus", l.status.label());
        if (!l.advisories.isEmpty()) {
          l.advisories.forEach(o.putArray("advisoryIDs")::add);
        }
      }
      return write(n);
    }

    public IntelCollateral.SignedDocument sign() {
      byte[] body = json();
      return new IntelCollateral.SignedDocument(body, DcapIssuer.this.sign(tcbSigningKey.getPrivate(), body));
    }

    private void requireTdx(String field) {
      if (tee != Tee.TDX) {
        throw new IllegalStateException("tcb_info." + field + " belongs to TDX TCB info; this is SGX");
      }
    }
  }

  /** QE identity ({@code QE} for SGX, {@code TD_QE} for TDX), defaults matching the quotes this platform makes. */
  public QeIdentityBuilder qeIdentity(Tee tee) {
    return new QeIdentityBuilder(tee);
  }

  public final class QeIdentityBuilder {
    private final Tee tee;
    private Instant issueDate = notBefore;
    private Instant nextUpdate = notAfter;
    private String mrsigner = DEFAULT_QE_MRSIGNER;
    private int isvProdId;
    private String miscselect = "00000000";
    private String miscselectMask = "ffffffff";
    private String attributes = DEFAULT_QE_ATTRIBUTES;
    private String attributesMask = DEFAULT_QE_ATTRIBUTES_MASK;
    private final List<IsvLevel> levels = new ArrayList<>();

    private QeIdentityBuilder(Tee tee) {
      this.tee = Objects.requireNonNull(tee, "tee");
      this.isvProdId = tee == Tee.TDX ? TD_QE_PRODID : SGX_QE_PRODID;
    }

    public QeIdentityBuilder window(Instant issueDate, Instant nextUpdate) {
      if (!issueDate.isBefore(nextUpdate)) {
        throw new IllegalArgumentException("qe_identity: issueDate must be before nextUpdate");
      }
      this.issueDate = issueDate;
      this.nextUpdate = nextUpdate;
      return this;
    }

    public QeIdentityBuilder mrsigner(String hex) {
      mrsigner = HEX.formatHex(hex(hex, 32, "qe_identity.mrsigner"));
      return this;
    }

    public QeIdentityBuilder isvProdId(int id) {
      isvProdId = range(id, 0xFFFF, "qe_identity.isvprodid");
      return this;
    }

    public QeIdentityBuilder attributes(String hex, String mask) {
      attributes = HEX.formatHex(hex(hex, 16, "qe_identity.attributes"));
      attributesMask = HEX.formatHex(hex(mask, 16, "qe_identity.attributesMask"));
      return this;
    }

    public QeIdentityBuilder miscselect(String hex, String mask) {
      miscselect = HEX.formatHex(hex(hex, 4, "qe_identity.miscselect"));
      miscselectMask = HEX.formatHex(hex(mask, 4, "qe_identity.miscselectMask"));
      return this;
    }

    /** A QE level: the lowest QE ISVSVN that earns {@code status} (UpToDate, OutOfDate or Revoked). */
    public QeIdentityBuilder level(int isvSvn, TcbStatus status, String... advisories) {
      levels.add(new IsvLevel(range(isvSvn, 0xFFFF, "qe_identity.tcbLevels.isvsvn"), isvStatus(status, "qe_identity.tcbLevels.tcbStatus"),
          List.of(advisories)));
      return this;
    }

    public byte[] json() {
      if (levels.isEmpty()) {
        throw new IllegalStateException("qe_identity.tcbLevels: add at least one level");
      }
      ObjectNode n = JSON.createObjectNode();
      n.put("id", tee == Tee.TDX ? "TD_QE" : "QE");
      n.put("version", 2);
      n.put("issueDate", issueDate.toString());
      n.put("nextUpdate", nextUpdate.toString());
      n.put("tcbEvaluationDataNumber", 1);
      n.put("miscselect", miscselect);
      n.put("miscselectMask", miscselectMask);
      n.put("attributes", attributes);
      n.put("attributesMask", attributesMask);
      n.put("mrsigner", mrsigner);
      n.put("isvprodid", isvProdId);
      isvLevels(n.putArray("tcbLevels"), levels);
      return write(n);
    }

    public IntelCollateral.SignedDocument sign() {
      byte[] body = json();
      return new IntelCollateral.SignedDocument(body, DcapIssuer.this.sign(tcbSigningKey.getPrivate(), body));
    }
  }

  /** Collateral as a PCS would serve it: both documents issued under {@link #tcbSigningChain()}, both CRLs present. */
  public IntelCollateral collateral(IntelCollateral.SignedDocument tcbInfo, IntelCollateral.SignedDocument qeIdentity, X509CRL rootCaCrl, X509CRL pckCrl) {
    return new IntelCollateral(Objects.requireNonNull(tcbInfo, "tcbInfo"), tcbSigningChain(), Objects.requireNonNull(qeIdentity, "qeIdentity"),
        tcbSigningChain(), Optional.of(Objects.requireNonNull(rootCaCrl, "rootCaCrl")), Optional.of(Objects.requireNonNull(pckCrl, "pckCrl")));
  }

  /**
   * Collateral in dcap-qvl's {@code QuoteCollateralV3} JSON, the form {@code IntelCollateral.load} and a
   * broker's offline directory ({@code <tee>-<fmspc>.json}) read: the signed documents as strings of
   * their exact bytes, signatures and CRLs (DER) in hex, issuer chains PEM.
   *
   * @throws IllegalArgumentException when a CRL is missing (dcap-qvl's layout has no place for its absence)
   */
  public byte[] dcapQvlJson(IntelCollateral c) {
    ObjectNode n = JSON.createObjectNode();
    try {
      n.put("pck_crl_issuer_chain", new String(pem(List.of(pckCa, root)), StandardCharsets.US_ASCII));
      n.put("root_ca_crl", HEX.formatHex(c.rootCaCrl().orElseThrow(() -> new IllegalArgumentException("collateral.root_ca_crl: missing")).getEncoded()));
      n.put("pck_crl", HEX.formatHex(c.pckCrl().orElseThrow(() -> new IllegalArgumentException("collateral.pck_crl: missing")).getEncoded()));
    } catch (java.security.cert.CRLException e) {
      throw new IllegalStateException("cannot encode a CRL", e);
    }
    n.put("tcb_info_issuer_chain", new String(pem(c.tcbInfoIssuerChain()), StandardCharsets.US_ASCII));
    n.put("tcb_info", new String(c.tcbInfo().body(), StandardCharsets.UTF_8));
    n.put("tcb_info_signature", HEX.formatHex(c.tcbInfo().signature()));
    n.put("qe_identity_issuer_chain", new String(pem(c.qeIdentityIssuerChain()), StandardCharsets.US_ASCII));
    n.put("qe_identity", new String(c.qeIdentity().body(), StandardCharsets.UTF_8));
    n.put("qe_identity_signature", HEX.formatHex(c.qeIdentity().signature()));
    return write(n);
  }

  /** Signs {@code data} with the TCB Signing key (r || s), e.g. to sign hand-edited collateral. */
  public byte[] signAsTcbSigner(byte[] data) {
    return sign(tcbSigningKey.getPrivate(), data);
  }

  private void isvLevels(ArrayNode out, List<IsvLevel> levels) {
    for (IsvLevel l : levels) {
      ObjectNode o = out.addObject();
      o.putObject("tcb").put("isvsvn", l.isvSvn());
      o.put("tcbDate", notBefore.toString());
      o.put("tcbStatus", l.status().label());
      if (!l.advisories().isEmpty()) {
        l.advisories().forEach(o.putArray("advisoryIDs")::add);
      }
    }
  }

  private static void components(ArrayNode out, int[] svns) {
    for (int s : svns) {
      out.addObject().put("svn", s);
    }
  }

  private static byte[] write(ObjectNode n) {
    try {
      return JSON.writeValueAsBytes(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise collateral", e);
    }
  }

  // ---------------------------------------------------------------- crypto and checks

  private static KeyPair p256(SecureRandom random) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), random);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("P-256 is unavailable", e);
    }
  }

  private static ContentSigner signer(SecureRandom random, PrivateKey key) {
    try {
      return new JcaContentSignerBuilder("SHA256withECDSA").setSecureRandom(random).build(key);
    } catch (OperatorCreationException e) {
      throw new IllegalStateException("cannot sign with the issuer's key", e);
    }
  }

  private static X509Certificate certificate(SecureRandom random, X500Name issuer, PrivateKey issuerKey, X500Name subject, KeyPair key, BigInteger serial, Instant from, Instant to,
      int pathLen, ASN1Encodable sgxExtension) {
    boolean ca = pathLen >= 0; // a CA's path length: the root may have one CA below it, the PCK CA none
    try {
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial, Date.from(from), Date.from(to), subject, key.getPublic());
      b.addExtension(Extension.basicConstraints, true, ca ? new BasicConstraints(pathLen) : new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
      if (sgxExtension != null) {
        b.addExtension(new ASN1ObjectIdentifier(PckExtensions.SGX_EXTENSIONS_OID), false, sgxExtension);
      }
      return new JcaX509CertificateConverter().getCertificate(b.build(signer(random, issuerKey)));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue the certificate " + subject, e);
    }
  }

  /** ECDSA P-256 over SHA-256 as raw r || s, the form DCAP quotes and Intel's collateral use. */
  private byte[] sign(PrivateKey key, byte[] data) {
    try {
      Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
      s.initSign(key, random);
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with the issuer's key", e);
    }
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static byte[] rawPoint(ECPublicKey key) {
    byte[] out = new byte[64];
    fixed32(key.getW().getAffineX(), out, 0);
    fixed32(key.getW().getAffineY(), out, 32);
    return out;
  }

  private static void fixed32(BigInteger v, byte[] out, int offset) {
    byte[] b = v.toByteArray();
    int len = Math.min(b.length, 32);
    System.arraycopy(b, b.length - len, out, offset + 32 - len, len);
  }

  private static byte[] pem(List<X509Certificate> certs) {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      for (X509Certificate c : certs) {
        p.writeObject(c);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256Hex(String label) {
    return HEX.formatHex(sha256(label.getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] componentBytes(int[] svns) {
    byte[] out = new byte[svns.length];
    for (int i = 0; i < svns.length; i++) {
      out[i] = (byte) svns[i];
    }
    return out;
  }

  private static int[] svns(int[] svns, String field) {
    if (svns.length != 16) {
      throw new IllegalArgumentException(field + " must list 16 SVNs, got " + svns.length);
    }
    for (int s : svns) {
      range(s, 0xFF, field);
    }
    return svns.clone();
  }

  private static int range(int v, int max, String field) {
    if (v < 0 || v > max) {
      throw new IllegalArgumentException(field + " must be in 0.." + max + ", got " + v);
    }
    return v;
  }

  private static byte[] hex(String hex, int length, String field) {
    byte[] b;
    try {
      b = HEX.parseHex(Objects.requireNonNull(hex, field));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + " is not hex");
    }
    if (b.length != length) {
      throw new IllegalArgumentException(field + " must be " + length + " bytes, got " + b.length);
    }
    return b;
  }

  private static TcbStatus platformStatus(TcbStatus s, String field) {
    Objects.requireNonNull(s, field);
    if (s == TcbStatus.TD_RELAUNCH_ADVISED || s == TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED) {
      throw new IllegalArgumentException(field + ": " + s + " is a verdict Intel's library computes, never a level in TCB info");
    }
    return s;
  }

  private static TcbStatus isvStatus(TcbStatus s, String field) {
    Objects.requireNonNull(s, field);
    if (s != TcbStatus.UP_TO_DATE && s != TcbStatus.OUT_OF_DATE && s != TcbStatus.REVOKED) {
      throw new IllegalArgumentException(field + ": a QE or TDX module level is UpToDate, OutOfDate or Revoked, not " + s);
    }
    return s;
  }
}
