package dev.cloister.attestation.dcap.appraise;

import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.cel.CelRule;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.VerifiedDcapQuote;
import dev.cloister.attestation.dcap.abi.SgxReport;
import dev.cloister.attestation.dcap.abi.TdAttributes;
import dev.cloister.attestation.dcap.abi.TdReport;
import dev.cloister.attestation.dcap.ccel.CcelEventLog;
import dev.cloister.attestation.dcap.tcb.PckExtensions;
import dev.cloister.attestation.dcap.tcb.TcbVerdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Appraises a verified DCAP quote (signatures and PCK chain already checked by {@code
 * DcapVerifier}) and, when given, the TCB verdict of verified Intel collateral, against {@link
 * TdxAppraisalOptions} or {@link SgxAppraisalOptions}: one named {@link Check} per rule, the
 * result's status the worst of them. Pure and thread-safe.
 *
 * <p>Always checked: the platform kind, the TCB status (and that collateral was given), debug; for
 * TDX also go-tdx-guest's fixed TD_ATTRIBUTES and XFAM bits. Every other check runs only when its
 * option is set. A quote whose platform matches no TCB level has no verdict: the collateral
 * verifier rejects it.
 */
public final class DcapAppraiser {
  public static final String FORMAT_TDX = "tdx";
  public static final String FORMAT_SGX = "sgx";
  /** go-tdx-guest validate.go: XFAM bits that must be set (x87, SSE) and bits that may be set. */
  static final long XFAM_FIXED1 = 0x00000003L;
  static final long XFAM_FIXED0 = 0x0006DBE7L;

  /** This appraiser's capability to build results (see {@link AttestationResult#minter}). */
  private static final AttestationResult.Minter RESULTS = AttestationResult.minter(java.lang.invoke.MethodHandles.lookup());

  private DcapAppraiser() {}

  /**
   * The PCK certificate's SGX extension: TDX quote headers leave the PCE SVN reserved (zero), so the
   * certificate is the authoritative source. Unreadable, it is absent and checks on it fail closed
   * (collateral verification would already have refused such a certificate).
   */
  private static Optional<PckExtensions> pck(DcapQuote q) {
    try {
      return Optional.of(PckExtensions.of(q.pckChain().getFirst()));
    } catch (MalformedEvidenceException e) {
      return Optional.empty();
    }
  }

  public static AttestationResult appraise(VerifiedDcapQuote v, Optional<TcbVerdict> tcb, TdxAppraisalOptions o) {
    DcapQuote q = v.quote();
    PlatformKind platform = v.platform();
    List<Check> checks = new ArrayList<>();
    checks.add(platform(platform, o.allowSimulated));
    TdReport td;
    SgxReport qe;
    try {
      td = q.tdReport();
      qe = q.qeReportBody();
    } catch (MalformedEvidenceException e) {
      checks.add(Check.fail("tee_type", e.detail() + ": TDX options need a TD report"));
      return RESULTS.of(FORMAT_TDX, platform, Map.of("platform", platform.label()), checks);
    }
    Optional<PckExtensions> pck = pck(q);
    Map<String, Object> claims = tdxClaims(q, td, qe, pck, platform, tcb);

    checks.addAll(tcbChecks(tcb, o.tcb));
    TdAttributes attrs = td.attributes();
    checks.add(debug(attrs.debug(), o.allowDebug));
    checks.add(attrs.unsupportedBits() == 0
        ? Check.pass("td_attributes.fixed_bits", "only DEBUG, SEPT_VE_DISABLE, PKS and PERFMON may be set")
        : Check.fail("td_attributes.fixed_bits", String.format("bits 0x%016x are set outside DEBUG, SEPT_VE_DISABLE, PKS and PERFMON", attrs.unsupportedBits())));
    long xfam = td.xfamBits();
    checks.add((xfam & XFAM_FIXED1) == XFAM_FIXED1 && (xfam & ~XFAM_FIXED0) == 0
        ? Check.pass("xfam.fixed_bits", String.format("0x%x within fixed-1 0x%x and fixed-0 0x%x", xfam, XFAM_FIXED1, XFAM_FIXED0))
        : Check.fail("xfam.fixed_bits", String.format("0x%x violates fixed-1 0x%x or fixed-0 0x%x", xfam, XFAM_FIXED1, XFAM_FIXED0)));

    headerChecks(checks, q, qe, pck, o.minimumQeSvn, o.minimumPceSvn, o.qeVendorId);
    o.minimumTeeTcbSvn.ifPresent(min -> checks.add(teeTcbSvn(td.teeTcbSvn(), min)));
    allowed(checks, "mr_seam", td.mrSeam(), o.mrSeams);
    exact(checks, "mr_signer_seam", td.mrSignerSeam(), o.mrSignerSeam);
    exact(checks, "td_attributes", td.tdAttributes(), o.tdAttributes);
    exact(checks, "xfam", td.xfam(), o.xfam);
    allowed(checks, "mr_td", td.mrTd(), o.mrTds);
    exact(checks, "mr_config_id", td.mrConfigId(), o.mrConfigId);
    exact(checks, "mr_owner", td.mrOwner(), o.mrOwner);
    exact(checks, "mr_owner_config", td.mrOwnerConfig(), o.mrOwnerConfig);
    o.rtmrs.forEach((i, want) -> exact(checks, "rtmr" + i, td.rtmr(i), Optional.of(want)));
    exact(checks, "report_data", td.reportData(), o.reportData);
    o.mrServiceTd.ifPresent(want -> checks.add(td.mrServiceTd().isEmpty()
        ? Check.fail("mr_service_td", "required, but the quote carries a TD report 1.0 without MRSERVICETD")
        : Check.matches("mr_service_td", td.mrServiceTd().get(), want)));
    o.eventLog.ifPresent(log -> {
      claims.put("event_log", log.summary());
      checks.add(replay(log, td));
    });
    o.cel.ifPresent(rule -> checks.add(CelRule.check(rule, claims)));
    return RESULTS.of(FORMAT_TDX, platform, claims, checks);
  }

  public static AttestationResult appraise(VerifiedDcapQuote v, Optional<TcbVerdict> tcb, SgxAppraisalOptions o) {
    DcapQuote q = v.quote();
    PlatformKind platform = v.platform();
    List<Check> checks = new ArrayList<>();
    checks.add(platform(platform, o.allowSimulated));
    SgxReport r;
    SgxReport qe;
    try {
      r = q.sgxReport();
      qe = q.qeReportBody();
    } catch (MalformedEvidenceException e) {
      checks.add(Check.fail("tee_type", e.detail() + ": SGX options need an SGX enclave report"));
      return RESULTS.of(FORMAT_SGX, platform, Map.of("platform", platform.label()), checks);
    }
    Optional<PckExtensions> pck = pck(q);
    Map<String, Object> claims = sgxClaims(q, r, qe, pck, platform, tcb);

    checks.addAll(tcbChecks(tcb, o.tcb));
    checks.add(debug(r.attributes().debug(), o.allowDebug));
    if (o.requireMode64Bit) {
      checks.add(r.attributes().mode64Bit() ? Check.pass("mode64bit", "a 64-bit enclave, as required")
          : Check.fail("mode64bit", "required, but ATTRIBUTES.MODE64BIT is clear"));
    }
    headerChecks(checks, q, qe, pck, o.minimumQeSvn, o.minimumPceSvn, o.qeVendorId);
    allowed(checks, "mr_enclave", r.mrEnclave(), o.mrEnclaves);
    allowed(checks, "mr_signer", r.mrSigner(), o.mrSigners);
    o.isvProdId.ifPresent(want -> checks.add(Check.of(r.isvProdId() == want, "isv_prod_id", r.isvProdId() + " vs required " + want)));
    o.minimumIsvSvn.ifPresent(min -> checks.add(Check.of(r.isvSvn() >= min, "isv_svn", r.isvSvn() + " vs minimum " + min)));
    exact(checks, "report_data", r.reportData(), o.reportData);
    exact(checks, "config_id", r.configId(), o.configId);
    exact(checks, "isv_ext_prod_id", r.isvExtProdId(), o.isvExtProdId);
    exact(checks, "isv_family_id", r.isvFamilyId(), o.isvFamilyId);
    o.cel.ifPresent(rule -> checks.add(CelRule.check(rule, claims)));
    return RESULTS.of(FORMAT_SGX, platform, claims, checks);
  }

  /** Claims of a TDX quote: the platform, every TD report field in hex, decoded TD attributes, QE, PCK and TCB facts. */
  public static Map<String, Object> tdxClaims(DcapQuote q, PlatformKind platform, Optional<TcbVerdict> tcb) throws MalformedEvidenceException {
    return tdxClaims(q, q.tdReport(), q.qeReportBody(), pck(q), platform, tcb);
  }

  /** Claims of an SGX quote: the platform, every enclave report field, QE, PCK and TCB facts. */
  public static Map<String, Object> sgxClaims(DcapQuote q, PlatformKind platform, Optional<TcbVerdict> tcb) throws MalformedEvidenceException {
    return sgxClaims(q, q.sgxReport(), q.qeReportBody(), pck(q), platform, tcb);
  }

  private static Map<String, Object> tdxClaims(DcapQuote q, TdReport td, SgxReport qe, Optional<PckExtensions> pck, PlatformKind platform, Optional<TcbVerdict> tcb) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("platform", platform.label());
    c.put("tee_type", FORMAT_TDX);
    c.put("quote_version", q.version());
    c.put("td_report_version", td.isTdx15() ? "1.5" : "1.0");
    c.put("tee_tcb_svn", td.teeTcbSvn().hex());
    c.put("mr_seam", td.mrSeam().hex());
    c.put("mr_signer_seam", td.mrSignerSeam().hex());
    c.put("seam_attributes", td.seamAttributes().hex());
    Map<String, Object> attrs = new LinkedHashMap<>(td.attributes().named());
    attrs.put("hex", td.tdAttributes().hex());
    c.put("td_attributes", attrs);
    c.put("xfam", td.xfam().hex());
    c.put("mr_td", td.mrTd().hex());
    c.put("mr_config_id", td.mrConfigId().hex());
    c.put("mr_owner", td.mrOwner().hex());
    c.put("mr_owner_config", td.mrOwnerConfig().hex());
    for (int i = 0; i < TdReport.RTMR_COUNT; i++) {
      c.put("rtmr" + i, td.rtmr(i).hex());
    }
    c.put("report_data", td.reportData().hex());
    td.teeTcbSvn2().ifPresent(v -> c.put("tee_tcb_svn2", v.hex()));
    td.mrServiceTd().ifPresent(v -> c.put("mr_service_td", v.hex()));
    common(c, q, qe, pck, tcb);
    return c;
  }

  private static Map<String, Object> sgxClaims(DcapQuote q, SgxReport r, SgxReport qe, Optional<PckExtensions> pck, PlatformKind platform, Optional<TcbVerdict> tcb) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("platform", platform.label());
    c.put("tee_type", FORMAT_SGX);
    c.put("quote_version", q.version());
    c.put("cpu_svn", r.cpuSvn().hex());
    c.put("misc_select", String.format("0x%08x", r.miscSelect()));
    c.put("isv_ext_prod_id", r.isvExtProdId().hex());
    c.put("attributes", r.attributes().named());
    c.put("mr_enclave", r.mrEnclave().hex());
    c.put("mr_signer", r.mrSigner().hex());
    c.put("config_id", r.configId().hex());
    c.put("isv_prod_id", r.isvProdId());
    c.put("isv_svn", r.isvSvn());
    c.put("config_svn", r.configSvn());
    c.put("isv_family_id", r.isvFamilyId().hex());
    c.put("report_data", r.reportData().hex());
    common(c, q, qe, pck, tcb);
    return c;
  }

  private static void common(Map<String, Object> c, DcapQuote q, SgxReport qe, Optional<PckExtensions> pck, Optional<TcbVerdict> tcb) {
    c.put("qe_vendor_id", q.qeVendorId().hex());
    c.put("qe_svn", qe.isvSvn()); // the QE report's ISVSVN, signed by the PCK key
    c.put("qe_isv_prod_id", qe.isvProdId());
    c.put("qe_mr_signer", qe.mrSigner().hex());
    pck.map(PckExtensions::pceSvn).ifPresent(v -> c.put("pce_svn", v)); // the PCESVN the PCK certificate was issued for
    if (q.version() == 3) { // version 4 and 5 headers leave these reserved
      c.put("header_qe_svn", q.qeSvn());
      c.put("header_pce_svn", q.pceSvn());
    }
    Optional<String> fmspc = tcb.map(TcbVerdict::fmspc).or(() -> pck.map(p -> p.fmspc().hex()));
    fmspc.ifPresent(v -> c.put("fmspc", v.toLowerCase(java.util.Locale.ROOT)));
    tcb.ifPresent(v -> {
      c.put("tcb_status", v.status().label());
      c.put("tcb_date", v.tcbDate().toString());
      c.put("advisory_ids", v.advisoryIds());
      c.put("platform_tcb_status", v.platformStatus().label());
      c.put("qe_tcb_status", v.qeStatus().label());
      v.moduleStatus().ifPresent(m -> c.put("module_tcb_status", m.label()));
      c.put("revocation_checked", v.revocationChecked());
      c.put("collateral_expiry", v.collateralExpiry().toString());
    });
  }

  private static Check platform(PlatformKind platform, boolean allowSimulated) {
    return platform == PlatformKind.HARDWARE || allowSimulated
        ? Check.pass("platform", platform.label())
        : Check.fail("platform", "evidence is from a simulated platform and simulation is not allowed");
  }

  private static List<Check> tcbChecks(Optional<TcbVerdict> tcb, TcbPolicy p) {
    List<Check> out = new ArrayList<>();
    if (tcb.isEmpty()) {
      out.add(new Check("tcb_status", p.requireCollateral() ? TrustTier.CONTRAINDICATED : TrustTier.WARNING, "no Intel collateral given"));
      p.minimumTcbDate().ifPresent(min -> out.add(Check.fail("tcb_date", "no Intel collateral given: the TCB date is unknown (minimum " + min + ")")));
      return out;
    }
    TcbVerdict v = tcb.get();
    TrustTier tier = p.tier(v.status());
    String detail = v.status().label()
        + (v.advisoryIds().isEmpty() ? "" : ", advisories " + String.join(", ", v.advisoryIds()))
        + (tier == TrustTier.CONTRAINDICATED ? ": not accepted by the TCB policy" : "");
    out.add(new Check("tcb_status", tier, detail));
    p.minimumTcbDate().ifPresent(min -> out.add(Check.of(!v.tcbDate().isBefore(min), "tcb_date", "TCB date " + v.tcbDate() + " vs minimum " + min)));
    if (!v.revocationChecked()) {
      // The verifier was told to accept collateral without CRLs: say so in every result it feeds.
      out.add(Check.warn("revocation", "Intel's CRLs were not given: the PCK and CA certificates were not checked for revocation"));
    }
    return out;
  }

  private static Check debug(boolean set, boolean allowed) {
    if (!set) {
      return Check.pass("debug", "not a debug TEE");
    }
    return allowed ? Check.pass("debug", "debug TEE, allowed") : Check.fail("debug", "debug TEE (its memory is open to the host), not allowed");
  }

  private static void headerChecks(List<Check> checks, DcapQuote q, SgxReport qe, Optional<PckExtensions> pck,
      Optional<Integer> minQe, Optional<Integer> minPce, Optional<Octets> vendor) {
    minQe.ifPresent(min -> checks.add(Check.of(qe.isvSvn() >= min, "qe_svn", "QE report ISVSVN " + qe.isvSvn() + " vs minimum " + min)));
    minPce.ifPresent(min -> checks.add(pck.isEmpty()
        ? Check.fail("pce_svn", "the PCK certificate carries no readable PCESVN")
        : Check.of(pck.get().pceSvn() >= min, "pce_svn", "PCK PCESVN " + pck.get().pceSvn() + " vs minimum " + min)));
    exact(checks, "qe_vendor_id", q.qeVendorId(), vendor);
  }

  /** go-tdx-guest semantics: every one of the 16 components at least the minimum's (unsigned bytes). */
  private static Check teeTcbSvn(Octets got, Octets min) {
    for (int i = 0; i < got.length(); i++) {
      if (Byte.toUnsignedInt(got.get(i)) < Byte.toUnsignedInt(min.get(i))) {
        return Check.fail("tee_tcb_svn", "component " + i + " is " + Byte.toUnsignedInt(got.get(i)) + ", below " + Byte.toUnsignedInt(min.get(i))
            + " (" + got.hex() + " vs minimum " + min.hex() + ")");
      }
    }
    return Check.pass("tee_tcb_svn", got.hex() + " meets minimum " + min.hex());
  }

  private static Check replay(CcelEventLog log, TdReport td) {
    try {
      log.verify(td.rtmrs());
      return Check.pass("rtmr_replay", "the event log (" + log.events().size() + " events) replays to RTMR0..3");
    } catch (VerificationException e) {
      return Check.fail("rtmr_replay", e.getMessage());
    }
  }

  private static void exact(List<Check> checks, String name, Octets got, Optional<Octets> want) {
    want.ifPresent(w -> checks.add(Check.matches(name, got, w)));
  }

  private static void allowed(List<Check> checks, String name, Octets got, Set<Octets> allowed) {
    if (!allowed.isEmpty()) {
      checks.add(allowed.contains(got) ? Check.pass(name, got.hex() + " is allowed")
          : Check.fail(name, got.hex() + " is not among the " + allowed.size() + " allowed"));
    }
  }
}
