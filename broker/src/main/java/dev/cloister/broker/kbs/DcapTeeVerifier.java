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
 * status derived, then the default appraisal (UpToDate affirming; SWHardeningNeeded and
 * ConfigurationNeeded a warning; the rest contraindicated; debug refused) with REPORT_DATA bound to
 * the session. A TDX event log, when sent, must replay to the quote's RTMRs.
 */
public final class DcapTeeVerifier implements TeeVerifier {
  private final IntelTee tee;
  private final Clock clock;
  private final CollateralSource collateral;

  public DcapTeeVerifier(IntelTee tee, Clock clock, CollateralSource collateral) {
    this.tee = Objects.requireNonNull(tee, "tee");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.collateral = Objects.requireNonNull(collateral, "collateral");
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
      TdxAppraisalOptions.Builder o = TdxAppraisalOptions.builder().reportData(reportData);
      if (eventLog.isPresent()) {
        o.eventLog(CcelEventLog.parse(eventLog.get()));
      }
      return DcapAppraiser.appraise(v, tcb, o.build());
    }
    return DcapAppraiser.appraise(v, tcb, SgxAppraisalOptions.builder().reportData(reportData).build());
  }

  @Override
  public int reportDataSize() {
    return 64;
  }
}
