package dev.cloister.attestation.dcap.tcb;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.Certificates;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.DcapVerifier;
import dev.cloister.attestation.dcap.VerifiedDcapQuote;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Verifies Intel collateral for a quote whose own signatures already verified ({@link DcapVerifier})
 * and derives its TCB status, in the order of Intel's quote verification library: the collateral's
 * own PCK chain, when it carries one, must be the quote's; the root CA CRL and PCK CRL (issuer,
 * CRL Number and Authority Key Identifier, signatures, validity, the quote's PCK chain not revoked); the TCB info and QE identity (issuer chain exactly
 * the TCB Signing certificate and the pinned Intel root, ECDSA signature over the exact signed bytes,
 * issue and next-update dates, FMSPC and PCE ID equal to the PCK certificate's); the QE report
 * against the QE identity; then TCB level matching and status convergence. Everything is checked at
 * the injected time; any failure throws naming the field, and no verdict exists without all checks.
 */
public final class CollateralVerifier {
  private final List<X509Certificate> roots;
  private final boolean allowMissingCrls;
  private final Clock clock;

  private CollateralVerifier(List<X509Certificate> roots, boolean allowMissingCrls, Clock clock) {
    this.roots = List.copyOf(roots);
    this.allowMissingCrls = allowMissingCrls;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Intel's pinned root, CRLs required. */
  public static CollateralVerifier intel(Clock clock) {
    return new CollateralVerifier(List.of(DcapVerifier.intelRoot()), false, clock);
  }

  /** Other trust roots (tests, a private PCCS), CRLs required. */
  public static CollateralVerifier withRoots(List<X509Certificate> roots, Clock clock) {
    return new CollateralVerifier(roots, false, clock);
  }

  /**
   * A verifier that accepts collateral without CRLs: the verdict then says revocation was not
   * checked, and an appraisal may refuse it. For collateral sets published without CRLs.
   */
  public CollateralVerifier allowingMissingCrls() {
    return new CollateralVerifier(roots, true, clock);
  }

  /** A quote and what its collateral says about it; only built when both verified. */
  public record VerifiedQuote(VerifiedDcapQuote quote, TcbVerdict tcb) {}

  /** Verifies the quote's own signatures, then its collateral. */
  public VerifiedQuote verify(byte[] quote, IntelCollateral collateral) throws AttestationException {
    VerifiedDcapQuote q = DcapVerifier.verify(DcapQuote.parse(quote), roots, clock);
    return new VerifiedQuote(q, verify(q.quote(), collateral));
  }

  /**
   * What {@link #verify(DcapQuote, IntelCollateral)} checked to reach {@code v} for {@code quote}, for
   * a person to read: the signed collateral and its currency, and whether Intel's CRLs were checked.
   */
  public List<Check> checks(DcapQuote quote, TcbVerdict v) {
    Instant now = clock.instant();
    String root = Certificates.commonName(quote.pckChain().getLast());
    return List.of(
        Check.pass("collateral", "TCB info (FMSPC " + v.fmspc() + ") and QE identity signed by the TCB Signing key under '" + root
            + "', current at " + now + " (earliest next update " + v.collateralExpiry() + ")"),
        v.revocationChecked()
            ? Check.pass("collateral.revocation", "Intel's root CA CRL (signed by '" + root + "') and PCK CRL (signed by '"
                + Certificates.commonName(quote.pckChain().get(1)) + "'), current at " + now
                + ": no certificate of the PCK chain or the signing chains is revoked")
            : new Check("collateral.revocation", TrustTier.NONE, "Intel's CRLs were not given: revocation not checked"));
  }

  /** @param quote a quote {@link DcapVerifier} has verified against the same roots */
  public TcbVerdict verify(DcapQuote quote, IntelCollateral c) throws AttestationException {
    Instant now = clock.instant();
    List<X509Certificate> pckChain = quote.pckChain();
    // dcap-qvl verifies the collateral's pck_certificate_chain instead of the quote's when it is
    // given; used here only as the same certificates, so no reader judges a chain the other did not.
    if (c.pckCertificateChain().isPresent() && !c.pckCertificateChain().get().equals(pckChain)) {
      throw new VerificationException("collateral.pck_certificate_chain", "is not the PCK certificate chain embedded in the quote (" + c.pckCertificateChain().get().size()
          + " certificates, leaf '" + c.pckCertificateChain().get().getFirst().getSubjectX500Principal().getName() + "' serial "
          + c.pckCertificateChain().get().getFirst().getSerialNumber().toString(16) + ")");
    }
    X509Certificate pck = pckChain.getFirst();
    X509Certificate pckCa = pckChain.get(1);
    X509Certificate root = trustedRoot(pckChain.getLast(), "quote.pck_cert_chain");
    List<Instant> expiries = new ArrayList<>();

    boolean revocationChecked = c.rootCaCrl().isPresent() && c.pckCrl().isPresent();
    if (!revocationChecked && !allowMissingCrls) {
      throw new VerificationException(c.rootCaCrl().isEmpty() ? "collateral.root_ca_crl" : "collateral.pck_crl", "missing: revocation cannot be checked");
    }
    if (c.rootCaCrl().isPresent()) {
      X509CRL crl = c.rootCaCrl().get();
      checkCrl(crl, root, "collateral.root_ca_crl", now, expiries);
      for (X509Certificate ca : Stream.concat(pckChain.subList(1, pckChain.size()).stream(),
          Stream.concat(c.tcbInfoIssuerChain().stream(), c.qeIdentityIssuerChain().stream())).toList()) {
        if (crl.isRevoked(ca)) {
          throw new VerificationException("collateral.root_ca_crl", "'" + ca.getSubjectX500Principal().getName() + "' is revoked");
        }
      }
    }
    if (c.pckCrl().isPresent()) {
      X509CRL crl = c.pckCrl().get();
      if (!crl.getIssuerX500Principal().equals(pck.getIssuerX500Principal())) {
        throw new VerificationException("collateral.pck_crl.issuer", "is '" + crl.getIssuerX500Principal().getName() + "', the PCK certificate's issuer is '"
            + pck.getIssuerX500Principal().getName() + "'");
      }
      checkCrl(crl, pckCa, "collateral.pck_crl", now, expiries);
      if (crl.isRevoked(pck)) {
        throw new VerificationException("quote.pck_cert", "revoked by Intel (serial " + pck.getSerialNumber().toString(16) + ")");
      }
    }

    PckExtensions ext = PckExtensions.of(pck);
    PublicKey tcbKey = signingChain(c.tcbInfoIssuerChain(), "collateral.tcb_info_issuer_chain", now);
    signature(tcbKey, c.tcbInfo(), "collateral.tcb_info_signature");
    TcbInfo info = TcbInfo.parse(c.tcbInfo().body());
    window(info.issueDate(), info.nextUpdate(), "tcb_info", now);
    expiries.add(info.nextUpdate());
    if (quote.tdx() != info.tdx()) {
      throw new VerificationException("tcb_info.id", "is " + info.id() + ", the quote is " + (quote.tdx() ? "TDX" : "SGX"));
    }
    if (!info.fmspc().equals(ext.fmspc())) {
      throw new VerificationException("tcb_info.fmspc", "is " + info.fmspc().hex() + ", the PCK certificate's FMSPC is " + ext.fmspc().hex());
    }
    if (!info.pceId().equals(ext.pceId())) {
      throw new VerificationException("tcb_info.pceId", "is " + info.pceId().hex() + ", the PCK certificate's PCE ID is " + ext.pceId().hex());
    }

    PublicKey qeKey = signingChain(c.qeIdentityIssuerChain(), "collateral.qe_identity_issuer_chain", now);
    signature(qeKey, c.qeIdentity(), "collateral.qe_identity_signature");
    QeIdentity qe = QeIdentity.parse(c.qeIdentity().body());
    window(qe.issueDate(), qe.nextUpdate(), "qe_identity", now);
    expiries.add(qe.nextUpdate());
    String wantId = quote.tdx() ? QeIdentity.TD_QE : QeIdentity.QE;
    if (!wantId.equals(qe.id())) {
      throw new VerificationException("qe_identity.id", "is " + qe.id() + ", a " + (quote.tdx() ? "TDX" : "SGX") + " quote needs " + wantId);
    }
    QeIdentity.Level qeLevel = qeLevel(quote.qeReport(), qe);

    Optional<TcbEvaluator.TdxInputs> tdx = Optional.empty();
    if (quote.tdx()) {
      byte[] body = quote.reportBody().toByteArray();
      tdx = Optional.of(new TcbEvaluator.TdxInputs(quote.version(), Arrays.copyOfRange(body, 0, 16), Arrays.copyOfRange(body, 64, 112),
          Arrays.copyOfRange(body, 112, 120), quote.bodyType() == 3 ? Optional.of(Arrays.copyOfRange(body, 584, 600)) : Optional.empty()));
    }
    TcbEvaluator.Outcome o = TcbEvaluator.evaluate(info, ext, tdx, qeLevel);
    return new TcbVerdict(o.status(), o.tcbDate(), o.advisoryIds(), o.platformStatus(), qeLevel.status(), o.moduleStatus(), ext.fmspc().hex(),
        expiries.stream().min(Instant::compareTo).orElseThrow(), revocationChecked);
  }

  /** The QE report must be Intel's quoting enclave (MRSIGNER, ISVPRODID, MISCSELECT and ATTRIBUTES under mask); its ISVSVN picks the level. */
  private static QeIdentity.Level qeLevel(byte[] report, QeIdentity qe) throws VerificationException {
    byte[] misc = qe.miscselect().toByteArray();
    byte[] miscMask = qe.miscselectMask().toByteArray();
    for (int i = 0; i < 4; i++) {
      if ((report[16 + i] & miscMask[i]) != (misc[i] & miscMask[i])) {
        throw new VerificationException("quote.qe_report.miscselect", "differs from Intel's QE identity under its mask");
      }
    }
    byte[] attr = qe.attributes().toByteArray();
    byte[] attrMask = qe.attributesMask().toByteArray();
    for (int i = 0; i < 16; i++) {
      if ((report[48 + i] & attrMask[i]) != (attr[i] & attrMask[i])) {
        throw new VerificationException("quote.qe_report.attributes", "differ from Intel's QE identity under its mask");
      }
    }
    if (!qe.mrsigner().contentEquals(Arrays.copyOfRange(report, 128, 160))) {
      throw new VerificationException("quote.qe_report.mrsigner", "is not Intel's quoting enclave signer " + qe.mrsigner().hex());
    }
    int prodId = (report[256] & 0xFF) | (report[257] & 0xFF) << 8;
    if (prodId != qe.isvProdId()) {
      throw new VerificationException("quote.qe_report.isvprodid", "is " + prodId + ", Intel's QE identity says " + qe.isvProdId());
    }
    int isvSvn = (report[258] & 0xFF) | (report[259] & 0xFF) << 8;
    return qe.tcbLevels().stream().filter(l -> isvSvn >= l.isvSvn()).findFirst()
        .orElseThrow(() -> new VerificationException("quote.qe_report.isvsvn", "QE ISVSVN " + isvSvn + " is below every level of Intel's QE identity (not supported)"));
  }

  private X509Certificate trustedRoot(X509Certificate candidate, String field) throws VerificationException {
    return roots.stream().filter(r -> r.equals(candidate)).findFirst()
        .orElseThrow(() -> new VerificationException(field + ".root", "'" + candidate.getSubjectX500Principal().getName() + "' is not a trusted Intel root"));
  }

  /**
   * Intel's TCBSigningChain and EXPECTED_CERTIFICATE_COUNT_IN_TCB_CHAIN: exactly the TCB Signing
   * certificate then the root, the root a pinned one, the signing certificate issued by it and named
   * for its role. A lone signing certificate is refused: Intel serves the two together.
   */
  private PublicKey signingChain(List<X509Certificate> chain, String field, Instant now) throws VerificationException {
    if (chain.size() != 2) {
      throw new VerificationException(field, "holds " + chain.size() + " certificate" + (chain.size() == 1 ? "" : "s")
          + "; it must be exactly the Intel SGX TCB Signing certificate and the root CA");
    }
    X509Certificate signing = chain.getFirst();
    X509Certificate root = trustedRoot(chain.getLast(), field);
    if (!Certificates.commonName(signing).contains("SGX TCB Signing")) {
      throw new VerificationException(field + "[0]", "CN '" + Certificates.commonName(signing) + "' is not the Intel SGX TCB Signing certificate");
    }
    if (!signing.getIssuerX500Principal().equals(root.getSubjectX500Principal())) {
      throw new VerificationException(field + "[0].issuer", "is '" + signing.getIssuerX500Principal().getName() + "', not the root CA");
    }
    for (int i = 0; i < 2; i++) {
      X509Certificate cert = chain.get(i);
      String f = field + "[" + i + "]";
      try {
        cert.verify(root.getPublicKey());
      } catch (GeneralSecurityException e) {
        throw new VerificationException(f, "signature does not verify with its issuer's key");
      }
      Certificates.requireValid(cert, f, now);
    }
    return signing.getPublicKey();
  }

  private static void signature(PublicKey key, IntelCollateral.SignedDocument d, String field) throws VerificationException {
    try {
      Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
      s.initVerify(key);
      s.update(d.body());
      if (s.verify(d.signature())) {
        return;
      }
    } catch (GeneralSecurityException e) {
      // a malformed key or signature is the same verdict as a wrong one
    }
    throw new VerificationException(field, "Intel's signature does not verify over the document's exact bytes");
  }

  /** Intel's PckCrlVerifier: issued by that CA by name, CRL Number and Authority Key Identifier present, signed, current. */
  private static void checkCrl(X509CRL crl, X509Certificate issuer, String field, Instant now, List<Instant> expiries) throws VerificationException {
    if (!crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      throw new VerificationException(field + ".issuer", "is '" + crl.getIssuerX500Principal().getName() + "', not '" + issuer.getSubjectX500Principal().getName() + "'");
    }
    Set<String> present = crl.getNonCriticalExtensionOIDs() == null ? new HashSet<>() : new HashSet<>(crl.getNonCriticalExtensionOIDs());
    if (crl.getCriticalExtensionOIDs() != null) {
      present.addAll(crl.getCriticalExtensionOIDs());
    }
    for (var required : List.of(Map.entry("2.5.29.20", "CRL Number"), Map.entry("2.5.29.35", "Authority Key Identifier"))) {
      if (!present.contains(required.getKey())) {
        throw new VerificationException(field + ".extensions", "no " + required.getValue() + " extension (Intel's CRLs carry one)");
      }
    }
    try {
      crl.verify(issuer.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new VerificationException(field, "not signed by '" + issuer.getSubjectX500Principal().getName() + "'");
    }
    if (crl.getNextUpdate() == null) {
      throw new VerificationException(field + ".next_update", "missing");
    }
    window(crl.getThisUpdate().toInstant(), crl.getNextUpdate().toInstant(), field, now);
    expiries.add(crl.getNextUpdate().toInstant());
  }

  private static void window(Instant issued, Instant next, String field, Instant now) throws VerificationException {
    if (now.isBefore(issued)) {
      throw new VerificationException(field + ".issue_date", "is " + issued + ", after the verification time " + now);
    }
    if (now.isAfter(next)) {
      throw new VerificationException(field + ".next_update", "expired at " + next + " (checked at " + now + ")");
    }
  }
}
