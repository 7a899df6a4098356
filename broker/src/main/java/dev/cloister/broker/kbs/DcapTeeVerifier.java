package dev.cloister.broker.kbs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.DcapVerifier;
import dev.cloister.attestation.dcap.VerifiedDcapQuote;
import dev.cloister.attestation.dcap.appraise.DcapAppraiser;
import dev.cloister.attestation.dcap.appraise.SgxAppraisalOptions;
import dev.cloister.attestation.dcap.appraise.TdxAppraisalOptions;
import dev.cloister.attestation.dcap.ccel.CcelEventLog;
import dev.cloister.attestation.dcap.evidence.IntelTee;
import dev.cloister.attestation.dcap.evidence.SgxEvidence;
import dev.cloister.attestation.dcap.evidence.TdxEvidence;
import dev.cloister.attestation.dcap.tcb.CollateralSource;
import dev.cloister.attestation.dcap.tcb.CollateralVerifier;
import dev.cloister.attestation.dcap.tcb.TcbVerdict;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * Intel TDX and SGX for the broker ({@code tee: "tdx"} or {@code "sgx"}), in Trustee's evidence
 * shapes: the quote verified to the pinned Intel root, its Intel collateral verified and its TCB
 * status derived, then appraised with the family's options (by default UpToDate affirming;
 * SWHardeningNeeded and ConfigurationNeeded a warning; the rest contraindicated; debug refused; or
 * a {@code broker serve --policy} file) with REPORT_DATA bound to the session. A TDX event log,
 * when sent, must replay to the quote's RTMRs.
 */
public final class DcapTeeVerifier implements TeeVerifier {
  private final IntelTee tee;
  private final Clock clock;
  private final CollateralSource collateral;
  private final TdxAppraisalOptions tdx;
  private final SgxAppraisalOptions sgx;

  private DcapTeeVerifier(IntelTee tee, Clock clock, CollateralSource collateral, TdxAppraisalOptions tdx, SgxAppraisalOptions sgx) {
    this.tee = Objects.requireNonNull(tee, "tee");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.collateral = Objects.requireNonNull(collateral, "collateral");
    this.tdx = Objects.requireNonNull(tdx, "tdx");
    this.sgx = Objects.requireNonNull(sgx, "sgx");
  }

  /** {@code tee: "tdx"}, appraised with {@code options} (their REPORT_DATA replaced by the session's). */
  public static DcapTeeVerifier tdx(Clock clock, CollateralSource collateral, TdxAppraisalOptions options) {
    return new DcapTeeVerifier(IntelTee.TDX, clock, collateral, options, SgxAppraisalOptions.defaults());
  }

  /** {@code tee: "sgx"}, appraised with {@code options} (their REPORT_DATA replaced by the session's). */
  public static DcapTeeVerifier sgx(Clock clock, CollateralSource collateral, SgxAppraisalOptions options) {
    return new DcapTeeVerifier(IntelTee.SGX, clock, collateral, TdxAppraisalOptions.defaults(), options);
  }

  @Override
  public AttestationResult attest(JsonNode evidence, byte[] expectedReportData) throws AttestationException {
    if (!evidence.isObject()) {
      throw new MalformedEvidenceException("tee-evidence", tee.label() + " evidence must be Trustee's JSON object with the base64 quote");
    }
    byte[] quote;
    Optional<byte[]> eventLog = Optional.empty();
    if (tee == IntelTee.TDX) {
      TdxEvidence ev = TdxEvidence.decode(evidence);
      quote = ev.quote();
      eventLog = ev.ccEventlog();
    } else {
      quote = SgxEvidence.decode(evidence).quote();
    }
    VerifiedDcapQuote v = DcapVerifier.verify(quote, clock);
    DcapQuote q = v.quote();
    if (q.tdx() != (tee == IntelTee.TDX)) {
      throw new MalformedEvidenceException("quote.tee_type", "a " + (q.tdx() ? "TDX" : "SGX") + " quote sent as " + tee.label());
    }
    Optional<TcbVerdict> tcb = Optional.of(CollateralVerifier.intel(clock).verify(q, collateral.collateralFor(q)));
    Octets reportData = Octets.copyOf(expectedReportData);
    if (tee == IntelTee.TDX) {
      TdxAppraisalOptions.Builder o = tdx.toBuilder().reportData(reportData);
      if (eventLog.isPresent()) {
        o.eventLog(CcelEventLog.parse(eventLog.get()));
      }
      return DcapAppraiser.appraise(v, tcb, o.build());
    }
    return DcapAppraiser.appraise(v, tcb, sgx.toBuilder().reportData(reportData).build());
  }

  @Override
  public int reportDataSize() {
    return 64;
  }
}
