package dev.cloister.attestation.azure;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.DcapVerifier;
import dev.cloister.attestation.dcap.VerifiedDcapQuote;
import dev.cloister.attestation.dcap.abi.TdReport;
import dev.cloister.attestation.dcap.tcb.CollateralSource;
import dev.cloister.attestation.dcap.tcb.CollateralVerifier;
import dev.cloister.attestation.dcap.tcb.IntelCollateral;
import dev.cloister.attestation.dcap.tcb.TcbVerdict;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies Azure TDX confidential-VM evidence ({@code az-tdx-vtpm}), in this order:
 *
 * <ol>
 *   <li>the TD quote exactly as any TDX quote ({@link DcapVerifier}: PCK chain to the Intel root at
 *       the given time, QE report, attestation-key binding, quote signature) and, when a {@link
 *       CollateralSource} is given, its Intel collateral and TCB status ({@link CollateralVerifier});
 *   <li>the HCL report of report type 4, whose runtime claims' SHA-256 must equal the TD quote's
 *       report_data[0:32] ({@code td_quote.report_data}, Trustee's "TDX Quote report data mismatch"):
 *       this is what attests the claims and the vTPM key in them;
 *   <li>the TDREPORT in the HCL report equal to what the quote's body holds ({@code
 *       hcl_report.td_report}): the quote was made from it, so a mismatch means mixed evidence
 *       (stricter than Trustee, which does not compare them);
 *   <li>the TPM quote's RSASSA-PKCS1-v1_5 SHA-256 signature by the attested {@code HCLAkPub} key,
 *       over the raw TPMS_ATTEST bytes before they are parsed ({@code tpm_quote.signature});
 *   <li>the quote's PCR digest recomputed from the 24 supplied SHA-256 PCRs ({@code tpm_quote.pcr_digest}).
 * </ol>
 *
 * The nonce (the quote's extraData) and PCR values are policy: {@link AzureTdxVtpmAppraiser}.
 */
public final class AzureTdxVtpmVerifier {
  private AzureTdxVtpmVerifier() {}

  /**
   * How to verify: the time, the Intel roots the PCK chain and collateral must lead to, where Intel
   * collateral comes from (none: no TCB status, which the default appraisal refuses), and whether
   * collateral published without CRLs is accepted (the verdict then says revocation was not checked).
   */
  public record Options(Clock clock, List<X509Certificate> intelRoots, Optional<CollateralSource> collateral, boolean allowMissingCrls) {
    public Options {
      Objects.requireNonNull(clock, "clock");
      intelRoots = List.copyOf(intelRoots);
      if (intelRoots.isEmpty()) {
        throw new IllegalArgumentException("intelRoots: at least one root is needed");
      }
      Objects.requireNonNull(collateral, "collateral");
    }

    /** Intel's pinned root, no collateral, CRLs required when collateral is added. */
    public static Options at(Clock clock) {
      return new Options(clock, List.of(DcapVerifier.intelRoot()), Optional.empty(), false);
    }

    public Options withCollateral(CollateralSource source) {
      return new Options(clock, intelRoots, Optional.of(source), allowMissingCrls);
    }

    public Options allowingMissingCrls() {
      return new Options(clock, intelRoots, collateral, true);
    }
  }

  /** What verification established; only {@link #verify} builds one, so appraisal never sees unverified parts. */
  public static final class Verified {
    private final VerifiedDcapQuote tdQuote;
    private final Optional<TcbVerdict> tcb;
    private final HclReport hcl;
    private final TpmQuote quote;
    private final List<Octets> pcrs;
    private final List<Check> checks;

    private Verified(VerifiedDcapQuote tdQuote, Optional<TcbVerdict> tcb, HclReport hcl, TpmQuote quote, List<Octets> pcrs,
        List<Check> checks) {
      this.tdQuote = Objects.requireNonNull(tdQuote, "tdQuote");
      this.tcb = Objects.requireNonNull(tcb, "tcb");
      this.hcl = Objects.requireNonNull(hcl, "hcl");
      this.quote = Objects.requireNonNull(quote, "quote");
      this.pcrs = List.copyOf(pcrs);
      this.checks = List.copyOf(checks);
    }

    public DcapQuote tdQuote() {
      return tdQuote.quote();
    }

    public VerifiedDcapQuote verifiedQuote() {
      return tdQuote;
    }

    /** Hardware when the PCK chain ends at Intel's pinned root, simulated for any other configured root. */
    public PlatformKind platform() {
      return tdQuote.platform();
    }

    /** Intel's TCB verdict, present exactly when collateral was given and verified. */
    public Optional<TcbVerdict> tcb() {
      return tcb;
    }

    public HclReport hcl() {
      return hcl;
    }

    public TpmQuote quote() {
      return quote;
    }

    /** The 24 SHA-256 PCR values the quote's digest covers. */
    public List<Octets> pcrs() {
      return pcrs;
    }

    /** What verification did, in order. */
    public List<Check> checks() {
      return checks;
    }
  }

  public static Verified verify(AzureTdxVtpmEvidence e, Options o) throws AttestationException {
    DcapQuote q = DcapQuote.parse(e.tdQuote());
    if (!q.tdx()) {
      throw new VerificationException("td_quote.tee_type", "is not TDX: az-tdx-vtpm needs a TD quote");
    }
    TdReport body = q.tdReport();
    DcapVerifier.Verified reported = DcapVerifier.verifyReporting(q, o.intelRoots(), o.clock());
    VerifiedDcapQuote verified = reported.quote();
    List<Check> checks = new ArrayList<>(reported.checks());
    Optional<TcbVerdict> tcb = Optional.empty();
    if (o.collateral().isPresent()) {
      IntelCollateral c = o.collateral().get().collateralFor(q);
      CollateralVerifier cv = CollateralVerifier.withRoots(o.intelRoots(), o.clock());
      tcb = Optional.of((o.allowMissingCrls() ? cv.allowingMissingCrls() : cv).verify(q, c));
      checks.addAll(cv.checks(q, tcb.get()));
    }

    HclReport hcl = HclReport.parse(e.hclReport());
    byte[] hclTd = hcl.td().quoteBody();
    byte[] claimsDigest = Vtpm.sha256(hcl.runtimeClaims());
    if (!MessageDigest.isEqual(claimsDigest, Arrays.copyOf(body.reportData().toByteArray(), 32))) {
      throw new VerificationException("td_quote.report_data", "TDX quote report data mismatch: report_data[0:32] is not the SHA-256 of the HCL runtime claims");
    }
    if (!MessageDigest.isEqual(hclTd, Arrays.copyOf(q.reportBody().toByteArray(), TdReport.SIZE_10))) {
      throw new VerificationException("hcl_report.td_report", "the HCL report's TDREPORT is not the one the TD quote was made from");
    }

    checks.add(Check.pass("hcl_runtime_claims", "SHA-256 of the HCL runtime claims (with the vTPM key) equals the TD quote's REPORT_DATA[0:32]"));
    checks.add(Check.pass("hcl_report.td_report", "the HCL report's TDREPORT is the one the TD quote was made from"));

    Vtpm.verifySignature(hcl.akPub(), e.quoteMessage(), e.quoteSignature());
    checks.add(Check.pass("tpm_quote.signature", "the TPM quote verifies (RSASSA-PKCS1-v1_5 SHA-256) with the attested HCLAkPub key"));
    TpmQuote quote = TpmQuote.parse(e.quoteMessage());
    checks.add(Check.pass("tpm_quote.pcr_digest", Vtpm.verifyPcrDigest(quote, e.pcrs())));
    return new Verified(verified, tcb, hcl, quote, e.pcrs(), checks);
  }
}
