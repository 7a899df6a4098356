package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.Certificates;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.SigningKey;
import dev.cloister.attestation.snp.abi.SnpReport;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Establishes that an SEV-SNP report is genuine: signed by a VCEK or VLEK that chains to a trusted
 * ARK, every certificate valid at the injected time and not revoked by a supplied CRL, and the
 * certificate's AMD extensions bound to the report (product, REPORTED_TCB, CHIP_ID). It does not
 * judge the report's contents; that is appraisal.
 *
 * <p>Thread-safe. Certificate signatures already checked are remembered per VEK, so repeated
 * verification of reports from one chip costs one ECDSA verify plus validity and CRL checks.
 */
public final class SnpVerifier {
  private static final int PATH_CACHE_LIMIT = 4096;

  private final VerifyOptions options;
  /** VEK → the anchor and intermediate whose signatures over it were verified. */
  private final Map<X509Certificate, Path> verifiedPaths = new ConcurrentHashMap<>();
  /**
   * VEK → what the VEK itself yields: its parsed AMD extensions and its public key as the preferred
   * provider's own key object. Both are pure functions of the certificate; parsing them and
   * translating a key into a native provider's form cost about a tenth of the report's ECDSA verify.
   */
  private final Map<X509Certificate, VekInfo> vekInfo = new ConcurrentHashMap<>();

  private record VekInfo(VekExtensions ext, PublicKey key) {}

  private record Path(TrustAnchor anchor, X509Certificate intermediate) {}

  public SnpVerifier(VerifyOptions options) {
    this.options = options;
  }

  /** One-shot verification; keep an instance to reuse its certificate cache. */
  public static VerifiedSnpReport verify(SnpEvidence evidence, VerifyOptions options) throws AttestationException {
    return new SnpVerifier(options).verify(evidence);
  }

  public VerifiedSnpReport verify(SnpEvidence evidence) throws AttestationException {
    SnpReport report = evidence.report();
    Instant now = options.clock().instant();
    if (report.signingKey() == SigningKey.NONE) {
      throw new VerificationException("report.key_info.signing_key", "the report is unsigned (SIGNING_KEY = none)");
    }
    Optional<ProductLine> hinted = productHint(report);
    X509Certificate vek = evidence.vek().isPresent() ? evidence.vek().get() : fetchVek(report, hinted);
    VekInfo info = vekInfo(vek);
    VekExtensions ext = info.ext();
    ProductLine product = ext.product();
    if (hinted.isPresent() && hinted.get() != product) {
      throw new VerificationException(
          "vek.product_name",
          "certificate is for " + ext.productName() + " but the report is from " + hinted.get().kdsName());
    }
    bindKeyType(report, ext);
    Path path = path(vek, product, evidence.chain());
    Certificates.requireValid(path.anchor().ark(), "ark", now);
    Certificates.requireValid(path.intermediate(), "intermediate", now);
    Certificates.requireValid(vek, "vek", now);
    String key = report.signingKey().name();
    List<Check> revocation = checkRevocation(path, vek, key, product, now);
    // The certificate-to-report bindings first, as Trustee does: a report altered there fails on
    // the field that differs ("SNP version mismatch") rather than only on the signature.
    bindTcb(report, ext, product);
    String chip = bindChipId(report, ext, product);
    checkSignature(report, info.key());
    // Each check says what was compared with what, so a reader never has to trust a summary.
    List<Check> checks = new ArrayList<>();
    checks.add(Check.pass("signature", "ECDSA P-384 report signature verifies with the " + key + "'s key"));
    checks.add(Check.pass("chain", key + " signed by '" + Certificates.commonName(path.intermediate()) + "', signed by the ARK '" + Certificates.commonName(path.anchor().ark())
        + "' of trust anchor '" + path.anchor().name() + "'"));
    checks.add(Check.pass("validity", "ARK, '" + Certificates.commonName(path.intermediate()) + "' and " + key + " valid at " + now));
    checks.addAll(revocation);
    checks.add(Check.pass("binding", "certificate product " + ext.productName() + " and TCB " + ext.tcb().parts(product)
        + " match the report; " + chip));
    return new VerifiedSnpReport(report, product, vek, ext, path.anchor(), now, checks);
  }

  private VekInfo vekInfo(X509Certificate vek) throws VerificationException {
    VekInfo cached = vekInfo.get(vek);
    if (cached != null) {
      return cached;
    }
    VekExtensions ext = VekExtensions.from(vek);
    if (!(vek.getPublicKey() instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 384) {
      throw new VerificationException("vek.public_key", "must be an EC P-384 key");
    }
    PublicKey key;
    try {
      key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(ec.getEncoded()));
    } catch (GeneralSecurityException e) {
      key = ec; // the certificate's own key object verifies just the same, only slower
    }
    VekInfo info = new VekInfo(ext, key);
    if (vekInfo.size() >= PATH_CACHE_LIMIT) {
      vekInfo.clear();
    }
    vekInfo.put(vek, info);
    return info;
  }

  private Optional<ProductLine> productHint(SnpReport report) throws VerificationException {
    if (report.cpuid().isPresent()) {
      Optional<ProductLine> p = report.productLineFromCpuid();
      if (p.isEmpty()) {
        throw new VerificationException("report.cpuid", "unknown SEV-SNP product: " + report.cpuid().get());
      }
      if (options.product().isPresent() && options.product().get() != p.get()) {
        throw new VerificationException(
            "report.cpuid", "report is from " + p.get().kdsName() + ", expected " + options.product().get().kdsName());
      }
      return p;
    }
    return options.product();
  }

  private X509Certificate fetchVek(SnpReport report, Optional<ProductLine> product) throws VerificationException {
    if (report.signingKey() == SigningKey.VLEK) {
      throw new VerificationException("vek", "the report is VLEK-signed and no VLEK was supplied (KDS does not serve VLEKs)");
    }
    if (product.isEmpty()) {
      throw new VerificationException("vek", "no VCEK supplied, and a version " + report.version() + " report does not name its product");
    }
    if (report.maskChipKey() || report.chipId().isAllZero()) {
      throw new VerificationException("vek", "no VCEK supplied, and the chip ID is masked so none can be looked up");
    }
    Octets hwid = report.chipId();
    return options.certificates()
        .vcek(product.get(), hwid, report.reportedTcb())
        .orElseThrow(() -> new VerificationException("vek", "no VCEK supplied and none found for this chip and TCB"));
  }

  private static void bindKeyType(SnpReport report, VekExtensions ext) throws VerificationException {
    if (report.signingKey() == SigningKey.VCEK && ext.hwid().isEmpty()) {
      throw new VerificationException("vek", "the report is VCEK-signed but the certificate has no hwID (is it a VLEK?)");
    }
    if (report.signingKey() == SigningKey.VLEK && ext.cspId().isEmpty()) {
      throw new VerificationException("vek", "the report is VLEK-signed but the certificate has no CSP ID (is it a VCEK?)");
    }
  }

  /** Finds an intermediate, from the anchor or the evidence, that the ARK signed and that signed the VEK. */
  private Path path(X509Certificate vek, ProductLine product, List<X509Certificate> supplied) throws VerificationException {
    Path cached = verifiedPaths.get(vek);
    if (cached != null) {
      return cached;
    }
    boolean anyAnchor = false;
    for (TrustAnchor anchor : options.anchors()) {
      if (anchor.product() != product) {
        continue;
      }
      anyAnchor = true;
      List<X509Certificate> candidates = new ArrayList<>(anchor.intermediates());
      for (X509Certificate c : supplied) {
        if (!c.getSubjectX500Principal().equals(c.getIssuerX500Principal()) && !candidates.contains(c)) {
          candidates.add(c);
        }
      }
      for (X509Certificate intermediate : candidates) {
        if (!intermediate.getSubjectX500Principal().equals(vek.getIssuerX500Principal())
            || !intermediate.getIssuerX500Principal().equals(anchor.ark().getSubjectX500Principal())) {
          continue;
        }
        if (signedBy(intermediate, anchor.ark()) && signedBy(vek, intermediate)) {
          Path p = new Path(anchor, intermediate);
          if (verifiedPaths.size() >= PATH_CACHE_LIMIT) {
            verifiedPaths.clear();
          }
          verifiedPaths.put(vek, p);
          return p;
        }
      }
    }
    if (!anyAnchor) {
      throw new VerificationException("vek.issuer", "no trusted root for product " + product.kdsName());
    }
    for (X509Certificate c : supplied) {
      if (c.getSubjectX500Principal().equals(c.getIssuerX500Principal())
          && options.anchors().stream().noneMatch(a -> a.ark().equals(c))) {
        throw new VerificationException("chain.ark", "root '" + c.getSubjectX500Principal().getName() + "' is not a trusted root");
      }
    }
    throw new VerificationException(
        "vek.issuer",
        "certificate issued by '" + vek.getIssuerX500Principal().getName() + "' does not chain to a trusted "
            + product.kdsName() + " root");
  }

  private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
    try {
      cert.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * Checks the VEK and its intermediate against every CRL from the anchor's ARK, supplied or from
   * the certificate source, and says which CRL was checked at which time. A CRL from any other
   * issuer is reported as not used: it can say nothing about AMD's certificates.
   */
  private List<Check> checkRevocation(Path path, X509Certificate vek, String key, ProductLine product, Instant now) throws VerificationException {
    List<SourcedCrl> crls = new ArrayList<>();
    for (X509CRL crl : options.crls()) {
      crls.add(new SourcedCrl(crl, "supplied"));
    }
    options.certificates().crl(product).ifPresent(crls::add);
    TrustAnchor anchor = path.anchor();
    X509Certificate ark = anchor.ark();
    List<Check> out = new ArrayList<>();
    boolean checked = false;
    for (SourcedCrl sourced : crls) {
      X509CRL crl = sourced.crl();
      if (!crl.getIssuerX500Principal().equals(ark.getSubjectX500Principal())) {
        out.add(new Check("crl", TrustTier.NONE, "CRL (" + sourced.origin() + ") issued by '" + crl.getIssuerX500Principal().getName()
            + "' is not from " + anchor.name() + "'s ARK '" + Certificates.commonName(ark) + "': not used"));
        continue;
      }
      try {
        crl.verify(ark.getPublicKey());
      } catch (GeneralSecurityException e) {
        throw new VerificationException("crl.signature", "CRL claiming issuer '" + crl.getIssuerX500Principal().getName() + "' is not signed by that ARK");
      }
      if (crl.getThisUpdate().toInstant().isAfter(now)) {
        throw new VerificationException("crl.this_update", "CRL is not valid before " + crl.getThisUpdate().toInstant());
      }
      if (crl.getNextUpdate() != null && crl.getNextUpdate().toInstant().isBefore(now)) {
        throw new VerificationException("crl.next_update", "CRL is stale since " + crl.getNextUpdate().toInstant());
      }
      revoked(crl, path.intermediate(), "intermediate");
      revoked(crl, vek, "vek");
      checked = true;
      out.add(Check.pass("revocation", "CRL (" + sourced.origin() + ") signed by " + anchor.name() + "'s ARK '" + Certificates.commonName(ark)
          + "', this update " + crl.getThisUpdate().toInstant()
          + (crl.getNextUpdate() == null ? "" : ", next update " + crl.getNextUpdate().toInstant())
          + ", checked at " + now + ": neither '" + Certificates.commonName(path.intermediate()) + "' nor the " + key + " is revoked"));
    }
    if (!checked && options.requireRevocationCheck()) {
      throw new VerificationException("crl", "a revocation check is required and no CRL signed by " + anchor.name() + "'s ARK is available");
    }
    if (!checked) {
      out.add(new Check("revocation", TrustTier.NONE, "no CRL signed by " + anchor.name() + "'s ARK was supplied or found: revocation not checked"));
    }
    return out;
  }

  private static void revoked(X509CRL crl, X509Certificate c, String field) throws VerificationException {
    X509CRLEntry e = crl.getRevokedCertificate(c);
    if (e != null) {
      throw new VerificationException(
          field + ".revoked", "certificate serial " + c.getSerialNumber() + " was revoked at " + e.getRevocationDate().toInstant());
    }
  }

  /** {@code key} is the VEK's P-384 key, checked by {@link #vekInfo}. */
  private static void checkSignature(SnpReport report, PublicKey key) throws VerificationException {
    boolean ok;
    try {
      Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
      s.initVerify(key);
      s.update(report.signedBytes());
      ok = s.verify(report.signatureP1363());
    } catch (GeneralSecurityException e) {
      ok = false;
    }
    if (!ok) {
      throw new VerificationException("report.signature", "ECDSA P-384 signature does not verify with the certificate's key");
    }
  }

  private static void bindTcb(SnpReport report, VekExtensions ext, ProductLine product) throws VerificationException {
    var reported = report.reportedTcb();
    if (!reported.reservedBytesZero(product) || !reported.parts(product).equals(ext.tcb().parts(product))) {
      throw new VerificationException(
          "report.reported_tcb",
          "REPORTED_TCB " + reported.hexBytes() + " (" + reported.parts(product) + ") differs from the certificate's TCB ("
              + ext.tcb().parts(product) + ")");
    }
  }

  /** What the chip binding compared, for the check's detail. */
  private static String bindChipId(SnpReport report, VekExtensions ext, ProductLine product) throws VerificationException {
    Octets chipId = report.chipId();
    if (report.maskChipKey()) {
      if (!chipId.isAllZero()) {
        throw new VerificationException("report.chip_id", "MASK_CHIP_KEY is set but the chip ID is not zero");
      }
      return "CHIP_ID masked (MASK_CHIP_KEY) and zero, not compared";
    }
    if (ext.hwid().isEmpty()) {
      return "a VLEK names a cloud provider, not a chip: CHIP_ID not compared";
    }
    Octets hwid = ext.hwid().get();
    byte[] id = chipId.toByteArray();
    byte[] comparable = hwid.length() < id.length ? java.util.Arrays.copyOf(id, hwid.length()) : id;
    if (!hwid.contentEquals(comparable)) {
      throw new VerificationException("report.chip_id", "CHIP_ID " + chipId.hex() + " differs from the certificate's hwID " + hwid.hex());
    }
    return "CHIP_ID equals the certificate's hwID";
  }
}
