package dev.cloister.attestation.dcap.tcb;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.MalformedEvidenceException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Intel's verification collateral for one quote, as received and not yet verified: TCB info and QE
 * identity with the exact bytes Intel signed and their signatures, the issuer chain of each, and the
 * Intel SGX Root CA and PCK CRLs. Read offline from dcap-qvl's JSON layout ({@code *_collateral.json},
 * Intel's field names) or from the separate files Intel's PCS serves (see {@link #load(Path)}).
 */
public record IntelCollateral(
    SignedDocument tcbInfo,
    List<X509Certificate> tcbInfoIssuerChain,
    SignedDocument qeIdentity,
    List<X509Certificate> qeIdentityIssuerChain,
    Optional<X509CRL> rootCaCrl,
    Optional<X509CRL> pckCrl,
    Optional<List<X509Certificate>> pckCertificateChain) {

  /** Collateral files are small; this bounds a directory read. */
  static final int MAX_FILE = 1 << 20;

  /**
   * A document and Intel's ECDSA P-256 signature over its exact bytes.
   *
   * @param body the signed bytes (the JSON object as Intel serialised it)
   * @param signature r || s, 32 bytes each
   */
  public record SignedDocument(byte[] body, byte[] signature) {
    public SignedDocument {
      body = body.clone();
      signature = signature.clone();
    }

    @Override
    public byte[] body() {
      return body.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }
  }

  public IntelCollateral {
    tcbInfoIssuerChain = List.copyOf(tcbInfoIssuerChain);
    qeIdentityIssuerChain = List.copyOf(qeIdentityIssuerChain);
    pckCertificateChain = pckCertificateChain.map(List::copyOf);
  }

  /** Collateral without a PCK certificate chain of its own: the quote's embedded chain is the one verified. */
  public IntelCollateral(SignedDocument tcbInfo, List<X509Certificate> tcbInfoIssuerChain, SignedDocument qeIdentity,
      List<X509Certificate> qeIdentityIssuerChain, Optional<X509CRL> rootCaCrl, Optional<X509CRL> pckCrl) {
    this(tcbInfo, tcbInfoIssuerChain, qeIdentity, qeIdentityIssuerChain, rootCaCrl, pckCrl, Optional.empty());
  }

  private static final Set<String> DCAP_QVL_FIELDS = Set.of("pck_crl_issuer_chain", "root_ca_crl", "pck_crl", "tcb_info_issuer_chain", "tcb_info",
      "tcb_info_signature", "qe_identity_issuer_chain", "qe_identity", "qe_identity_signature", "pck_certificate_chain");

  /**
   * Reads dcap-qvl's {@code QuoteCollateralV3} JSON: {@code tcb_info} and {@code qe_identity} hold
   * the signed JSON as strings, signatures and CRLs are hex, issuer chains PEM. Unknown fields are
   * refused rather than ignored. The optional {@code pck_certificate_chain} (PEM) is kept: dcap-qvl
   * verifies it in place of the quote's embedded chain, so the verifier requires the two to be the
   * same certificates rather than judge one while dcap-qvl would judge the other.
   */
  public static IntelCollateral fromDcapQvlJson(byte[] json) throws MalformedEvidenceException {
    String f = "collateral";
    JsonNode n = CollateralJson.read(json, f);
    for (var it = n.fieldNames(); it.hasNext();) {
      String name = it.next();
      if (!DCAP_QVL_FIELDS.contains(name)) {
        throw new MalformedEvidenceException(f + "." + name, "unknown field");
      }
    }
    return new IntelCollateral(
        new SignedDocument(CollateralJson.text(n, "tcb_info", f).getBytes(StandardCharsets.UTF_8), signature(CollateralJson.text(n, "tcb_info_signature", f), f + ".tcb_info_signature")),
        pemChain(CollateralJson.text(n, "tcb_info_issuer_chain", f).getBytes(StandardCharsets.US_ASCII), f + ".tcb_info_issuer_chain"),
        new SignedDocument(CollateralJson.text(n, "qe_identity", f).getBytes(StandardCharsets.UTF_8), signature(CollateralJson.text(n, "qe_identity_signature", f), f + ".qe_identity_signature")),
        pemChain(CollateralJson.text(n, "qe_identity_issuer_chain", f).getBytes(StandardCharsets.US_ASCII), f + ".qe_identity_issuer_chain"),
        Optional.of(crl(hex(CollateralJson.text(n, "root_ca_crl", f), f + ".root_ca_crl"), f + ".root_ca_crl")),
        Optional.of(crl(hex(CollateralJson.text(n, "pck_crl", f), f + ".pck_crl"), f + ".pck_crl")),
        // serde reads an absent field and null alike as None.
        n.hasNonNull("pck_certificate_chain")
            ? Optional.of(pemChain(CollateralJson.text(n, "pck_certificate_chain", f).getBytes(StandardCharsets.US_ASCII), f + ".pck_certificate_chain"))
            : Optional.empty());
  }

  /**
   * Reads collateral from a dcap-qvl JSON file, or from a directory of the files Intel's PCS serves,
   * recognised by content rather than name: the TCB info response ({@code {"tcbInfo":…,"signature":…}}),
   * the QE identity response ({@code {"enclaveIdentity":…,"signature":…}}), the PEM issuer chain of
   * the Intel SGX TCB Signing certificate, signing certificate then root (PCS sends it URL-encoded in
   * a header; store it decoded; the verifier refuses a lone signing certificate),
   * and the root CA and PCK CRLs (DER, PEM or hex). A copy of the Intel root is allowed and ignored
   * (the root is pinned); anything else is refused with the file's name.
   */
  public static IntelCollateral load(Path path) throws MalformedEvidenceException, IOException {
    if (!Files.isDirectory(path)) {
      byte[] b = readBounded(path);
      if (looksLikeJson(b) && CollateralJson.read(b, path.getFileName().toString()).has("tcb_info")) {
        return fromDcapQvlJson(b);
      }
      return fromFiles(List.of(path));
    }
    try (Stream<Path> s = Files.list(path)) {
      return fromFiles(s.filter(Files::isRegularFile).sorted().toList());
    }
  }

  /** Assembles collateral from separate PCS files (see {@link #load(Path)}). */
  public static IntelCollateral fromFiles(List<Path> files) throws MalformedEvidenceException, IOException {
    SignedDocument tcb = null;
    SignedDocument qe = null;
    List<X509Certificate> signingChain = null;
    X509CRL rootCrl = null;
    X509CRL pckCrl = null;
    for (Path p : files) {
      String name = p.getFileName().toString();
      byte[] b = readBounded(p);
      String text = new String(b, StandardCharsets.ISO_8859_1).strip();
      if (looksLikeJson(b)) {
        JsonNode n = CollateralJson.read(b, name);
        if (n.has("tcbInfo")) {
          tcb = once(tcb, new SignedDocument(rawMember(b, "tcbInfo", name), signature(CollateralJson.text(n, "signature", name), name + ".signature")), name);
        } else if (n.has("enclaveIdentity")) {
          qe = once(qe, new SignedDocument(rawMember(b, "enclaveIdentity", name), signature(CollateralJson.text(n, "signature", name), name + ".signature")), name);
        } else {
          throw new MalformedEvidenceException(name, "JSON that is neither a TCB info nor a QE identity response");
        }
      } else if (text.startsWith("-----BEGIN CERTIFICATE-----")) {
        List<X509Certificate> chain = pemChain(b, name);
        String leaf = chain.getFirst().getSubjectX500Principal().getName();
        if (leaf.contains("CN=Intel SGX TCB Signing")) {
          if (signingChain != null && !signingChain.equals(chain)) {
            throw new MalformedEvidenceException(name, "a second, different TCB Signing chain; keep only the one valid when the quote is verified");
          }
          signingChain = chain;
        } else if (!leaf.contains("CN=Intel SGX Root CA") && !leaf.contains("CN=Intel SGX PCK ")) {
          // The PCK CA chain is accepted and unused: the PCK CRL is checked with the CA key from the quote itself.
          throw new MalformedEvidenceException(name, "a certificate chain for '" + leaf + "', which no collateral needs");
        }
      } else {
        X509CRL crl = crl(text.startsWith("-----BEGIN X509 CRL-----") || !isHex(text) ? b : hex(text, name), name);
        if (crl.getIssuerX500Principal().getName().contains("CN=Intel SGX Root CA")) {
          rootCrl = once(rootCrl, crl, name);
        } else {
          pckCrl = once(pckCrl, crl, name);
        }
      }
    }
    List<String> missing = new ArrayList<>();
    if (tcb == null) missing.add("TCB info");
    if (qe == null) missing.add("QE identity");
    if (signingChain == null) missing.add("TCB Signing issuer chain");
    if (!missing.isEmpty()) {
      throw new MalformedEvidenceException("collateral", "missing " + String.join(", ", missing));
    }
    return new IntelCollateral(tcb, signingChain, qe, signingChain, Optional.ofNullable(rootCrl), Optional.ofNullable(pckCrl));
  }

  /**
   * Assembles collateral from Intel PCS (or PCCS) responses: the TCB info and QE identity response
   * bodies, their issuer-chain headers (URL-decoded PEM) and the two CRLs as DER.
   */
  static IntelCollateral fromPcsResponses(byte[] tcbResponse, String tcbChain, byte[] qeResponse, String qeChain, byte[] rootCrl, byte[] pckCrl)
      throws MalformedEvidenceException {
    JsonNode tcb = CollateralJson.read(tcbResponse, "pcs.tcb");
    JsonNode qe = CollateralJson.read(qeResponse, "pcs.qe_identity");
    return new IntelCollateral(
        new SignedDocument(rawMember(tcbResponse, "tcbInfo", "pcs.tcb"), signature(CollateralJson.text(tcb, "signature", "pcs.tcb"), "pcs.tcb.signature")),
        pemChain(tcbChain.getBytes(StandardCharsets.US_ASCII), "pcs.tcb.TCB-Info-Issuer-Chain"),
        new SignedDocument(rawMember(qeResponse, "enclaveIdentity", "pcs.qe_identity"), signature(CollateralJson.text(qe, "signature", "pcs.qe_identity"), "pcs.qe_identity.signature")),
        pemChain(qeChain.getBytes(StandardCharsets.US_ASCII), "pcs.qe_identity.SGX-Enclave-Identity-Issuer-Chain"),
        Optional.of(crl(rootCrl, "pcs.root_ca_crl")),
        Optional.of(crl(pckCrl, "pcs.pck_crl")));
  }

  /**
   * The exact bytes of one top-level member's value: Intel signs the object as it appears in the
   * response, so it is cut out, never re-serialised.
   */
  static byte[] rawMember(byte[] json, String member, String field) throws MalformedEvidenceException {
    try (JsonParser p = CollateralJson.parser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new MalformedEvidenceException(field, "must be a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (name.equals(member)) {
          if (t != JsonToken.START_OBJECT) {
            throw new MalformedEvidenceException(field + "." + member, "must be an object");
          }
          long start = p.currentTokenLocation().getByteOffset();
          p.skipChildren();
          long end = p.currentLocation().getByteOffset();
          return Arrays.copyOfRange(json, (int) start, (int) end);
        }
        p.skipChildren();
      }
      throw new MalformedEvidenceException(field + "." + member, "missing");
    } catch (IOException e) {
      throw new MalformedEvidenceException(field, "not strict JSON");
    }
  }

  private static <T> T once(T previous, T next, String name) throws MalformedEvidenceException {
    if (previous != null) {
      throw new MalformedEvidenceException(name, "a second document of the same kind; give one per kind");
    }
    return next;
  }

  private static byte[] readBounded(Path p) throws IOException, MalformedEvidenceException {
    if (Files.size(p) > MAX_FILE) {
      throw new MalformedEvidenceException(p.getFileName().toString(), "larger than " + MAX_FILE + " bytes");
    }
    return Files.readAllBytes(p);
  }

  private static boolean looksLikeJson(byte[] b) {
    for (byte x : b) {
      if (!Character.isWhitespace(x)) {
        return x == '{';
      }
    }
    return false;
  }

  private static boolean isHex(String s) {
    return !s.isEmpty() && s.length() % 2 == 0 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0);
  }

  static byte[] signature(String hex, String field) throws MalformedEvidenceException {
    byte[] s = hex(hex, field);
    if (s.length != 64) {
      throw new MalformedEvidenceException(field, "must be 64 bytes (r || s), got " + s.length);
    }
    return s;
  }

  private static byte[] hex(String s, String field) throws MalformedEvidenceException {
    try {
      return HexFormat.of().parseHex(s.strip());
    } catch (IllegalArgumentException e) {
      throw new MalformedEvidenceException(field, "not hex");
    }
  }

  static List<X509Certificate> pemChain(byte[] pem, String field) throws MalformedEvidenceException {
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new MalformedEvidenceException(field, "holds no certificate");
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new MalformedEvidenceException(field, "not a PEM certificate chain");
    }
  }

  private static X509CRL crl(byte[] der, String field) throws MalformedEvidenceException {
    try {
      return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new MalformedEvidenceException(field, "not a CRL (DER, PEM or hex)");
    }
  }
}
