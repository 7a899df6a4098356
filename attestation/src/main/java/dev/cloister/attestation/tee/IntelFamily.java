package dev.cloister.attestation.tee;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.DcapVerifier;
import dev.cloister.attestation.dcap.VerifiedDcapQuote;
import dev.cloister.attestation.dcap.appraise.DcapAppraiser;
import dev.cloister.attestation.dcap.appraise.SgxAppraisalOptions;
import dev.cloister.attestation.dcap.appraise.SgxPolicyFile;
import dev.cloister.attestation.dcap.appraise.TcbPolicy;
import dev.cloister.attestation.dcap.appraise.TdxAppraisalOptions;
import dev.cloister.attestation.dcap.appraise.TdxPolicyFile;
import dev.cloister.attestation.dcap.ccel.CcelEventLog;
import dev.cloister.attestation.dcap.evidence.IntelTee;
import dev.cloister.attestation.dcap.evidence.SgxEvidence;
import dev.cloister.attestation.dcap.evidence.TdxEvidence;
import dev.cloister.attestation.dcap.tcb.CollateralSource;
import dev.cloister.attestation.dcap.tcb.CollateralVerifier;
import dev.cloister.attestation.dcap.tcb.TcbVerdict;
import dev.cloister.attestation.json.PolicyJson;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Intel TDX or SGX: a DCAP quote (v3 to v5), binary or in Trustee's TDX/SGX evidence JSON (for KBS,
 * the JSON object). The quote verified to the pinned Intel root; with collateral, Intel's TCB
 * status; then appraised with the family's options, REPORT_DATA bound to a session when one is
 * given. A TDX event log, when sent, must replay to the quote's RTMRs.
 */
final class IntelFamily implements TeeFamily {
  static final IntelFamily TDX = new IntelFamily(IntelTee.TDX);
  static final IntelFamily SGX = new IntelFamily(IntelTee.SGX);

  private final IntelTee tee;

  private IntelFamily(IntelTee tee) {
    this.tee = tee;
  }

  @Override
  public String name() {
    return tee.label();
  }

  @Override
  public String format() {
    return tee.label();
  }

  @Override
  public boolean recognises(byte[] bytes) {
    Optional<JsonNode> json = TeeFamilies.jsonObject(bytes);
    if (json.isEmpty()) {
      return IntelTee.ofQuoteHeader(bytes).equals(Optional.of(tee));
    }
    JsonNode n = json.get();
    if (n.has("attestation_report") || n.has("td_quote") || n.has("hcl_report") || n.has("tpm_quote") || !n.path("quote").isTextual()) {
      return false;
    }
    try {
      Optional<IntelTee> t = IntelTee.ofQuoteHeader(Base64.getDecoder().decode(n.get("quote").asText()));
      if (t.isPresent()) {
        return t.get() == tee;
      }
    } catch (IllegalArgumentException e) {
      // not base64: not Trustee's Intel evidence, unless an event log says TDX
    }
    return tee == IntelTee.TDX && n.has("cc_eventlog"); // the decoder names what is wrong with the quote
  }

  @Override
  public Binding binding() {
    return new Binding(64, "report_data");
  }

  @Override
  public Map<String, String> sessionBound() {
    return Map.of("report_data", "the broker binds REPORT_DATA to each session; a policy cannot set it");
  }

  @Override
  public TeePolicy policy(byte[] json) {
    JsonNode root = PolicyJson.read(json);
    return tee == IntelTee.TDX ? new TeePolicy.Tdx(TdxPolicyFile.parse(root)) : new TeePolicy.Sgx(SgxPolicyFile.parse(root));
  }

  @Override
  public Verdict evaluate(Evidence evidence, Context c) throws AttestationException {
    byte[] quote;
    Optional<byte[]> eventLog = Optional.empty();
    switch (evidence) {
      case Evidence.Bytes b when b.bytes().length == 0 || b.bytes()[0] != '{' -> quote = b.bytes();
      case Evidence.Bytes b when tee == IntelTee.TDX -> {
        TdxEvidence ev = TdxEvidence.decode(b.bytes());
        quote = ev.quote();
        eventLog = ev.ccEventlog();
      }
      case Evidence.Bytes b -> quote = SgxEvidence.decode(b.bytes()).quote();
      case Evidence.Json(var value) when value.isObject() && tee == IntelTee.TDX -> {
        TdxEvidence ev = TdxEvidence.decode(value);
        quote = ev.quote();
        eventLog = ev.ccEventlog();
      }
      case Evidence.Json(var value) when value.isObject() -> quote = SgxEvidence.decode(value).quote();
      case Evidence.Json k -> throw new MalformedEvidenceException("tee-evidence", tee.label() + " evidence must be Trustee's JSON object with the base64 quote");
    }
    DcapQuote parsed = DcapQuote.parse(quote);
    // A simulated platform's root is trusted only when the caller passed it and allows simulation;
    // its quotes are then checked against its own collateral, and the verdict says simulated.
    X509Certificate root = parsed.pckChain().getLast();
    Optional<Context.SimulatedIntel> simulated = c.simulatedIntelFor(root);
    if (simulated.isPresent() && !c.allowSimulated()) {
      throw new VerificationException("quote.pck_cert_chain.root", "'" + root.getSubjectX500Principal().getName()
          + "' is a simulated platform's root, trusted only when simulation is allowed");
    }
    DcapVerifier.Verified verified = DcapVerifier.verifyReporting(parsed,
        simulated.map(s -> List.of(DcapVerifier.intelRoot(), s.root())).orElse(List.of(DcapVerifier.intelRoot())), c.clock());
    VerifiedDcapQuote v = verified.quote();
    DcapQuote q = v.quote();
    if (q.tdx() != (tee == IntelTee.TDX)) {
      throw new MalformedEvidenceException("quote.tee_type", "a " + (q.tdx() ? "TDX" : "SGX") + " quote, not " + tee.label());
    }
    List<Check> checks = new ArrayList<>(verified.checks());
    Optional<TcbVerdict> tcb = Optional.empty();
    Optional<CollateralSource> collateral = simulated.map(Context.SimulatedIntel::collateral).or(c::collateral);
    if (collateral.isPresent()) {
      CollateralVerifier cv = simulated.isPresent() ? CollateralVerifier.withRoots(List.of(root), c.clock()) : CollateralVerifier.intel(c.clock());
      tcb = Optional.of(cv.verify(q, collateral.get().collateralFor(q)));
      checks.addAll(cv.checks(q, tcb.get()));
    }
    AttestationResult result;
    if (tee == IntelTee.TDX) {
      TdxAppraisalOptions.Builder o = tdxOptions(c, name(), collateral.isPresent()).toBuilder().allowSimulated(c.allowSimulated());
      c.sessionBinding().ifPresent(o::reportData);
      if (eventLog.isPresent()) {
        o.eventLog(CcelEventLog.parse(eventLog.get()));
      }
      result = DcapAppraiser.appraise(v, tcb, o.build());
    } else {
      SgxAppraisalOptions.Builder o = (c.policy(name()).orElse(null) instanceof TeePolicy.Sgx(var p) ? p
          : SgxAppraisalOptions.builder().tcb(lenientTcb(collateral.isPresent())).build()).toBuilder().allowSimulated(c.allowSimulated());
      c.sessionBinding().ifPresent(o::reportData);
      result = DcapAppraiser.appraise(v, tcb, o.build());
    }
    // tcb_status and advisory_ids are always shown for Intel, null and empty when not evaluated.
    Map<String, Object> claims = new LinkedHashMap<>(result.claims());
    claims.putIfAbsent("tcb_status", null);
    claims.putIfAbsent("advisory_ids", List.of());
    return new Verdict(format(), checks, c.verifyOnly() ? Optional.empty() : Optional.of(result), claims);
  }

  /**
   * Without a policy file the TCB status is required only when collateral was given: without it the
   * status is unknown, a warning (never affirming). A policy file's TCB policy stands as written.
   */
  static TcbPolicy lenientTcb(boolean collateral) {
    return TcbPolicy.builder().requireCollateral(collateral).build();
  }

  /** TDX options ({@code tdx}, {@code az-tdx-vtpm}): the family's policy file, else the defaults with {@link #lenientTcb}. */
  static TdxAppraisalOptions tdxOptions(Context c, String family, boolean collateral) {
    return c.policy(family).orElse(null) instanceof TeePolicy.Tdx(var p) ? p : TdxAppraisalOptions.builder().tcb(lenientTcb(collateral)).build();
  }
}
