package dev.cloister.attestation.dcap.tcb;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.Certificates;
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
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Verifies Intel collateral for a quote whose own signatures already verified ({@link DcapVerifier})
 * and derives its TCB status, in the order of Intel's quote verification library: the root CA CRL
 * and PCK CRL (signatures, validity, the quote's PCK chain not revoked); the TCB info and QE
 * identity (issuer chain to the pinned Intel root, ECDSA signature over the exact signed bytes,
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

  /** @param quote a quote {@link DcapVerifier} has verified against the same roots */
  public TcbVerdict verify(DcapQuote quote, IntelCollateral c) throws AttestationException {
    Instant now = clock.instant();
    List<X509Certificate> pckChain = quote.pckChain();
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

  /** Verifies an issuer chain (leaf first, root optional) up to a pinned root; returns the leaf's key. */
  private PublicKey signingChain(List<X509Certificate> chain, String field, Instant now) throws VerificationException {
    if (chain.isEmpty()) {
      throw new VerificationException(field, "empty");
    }
    List<X509Certificate> full = new ArrayList<>(chain);
    if (roots.stream().noneMatch(r -> r.equals(full.getLast()))) {
      X509Certificate top = full.getLast();
      X509Certificate root = roots.stream().filter(r -> r.getSubjectX500Principal().equals(top.getIssuerX500Principal())).findFirst()
          .orElseThrow(() -> new VerificationException(field, "does not lead to a trusted Intel root"));
      full.add(root);
    }
    for (int i = 0; i < full.size(); i++) {
      X509Certificate cert = full.get(i);
      X509Certificate issuer = i == full.size() - 1 ? cert : full.get(i + 1);
      String f = field + "[" + i + "]";
      try {
        cert.verify(issuer.getPublicKey());
      } catch (GeneralSecurityException e) {
        throw new VerificationException(f, "signature does not verify with its issuer's key");
      }
      Certificates.requireValid(cert, f, now);
    }
    if (!full.getFirst().getSubjectX500Principal().getName().contains("CN=Intel SGX TCB Signing")) {
      throw new VerificationException(field + "[0]", "is not the Intel SGX TCB Signing certificate");
    }
    return full.getFirst().getPublicKey();
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

  private static void checkCrl(X509CRL crl, X509Certificate issuer, String field, Instant now, List<Instant> expiries) throws VerificationException {
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
