package dev.cloister.attestation.dcap.tcb;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.dcap.DcapQuote;

/** Where a verifier gets Intel collateral for a quote: a fixed set given offline, or Intel PCS / a PCCS when the caller opts in. */
@FunctionalInterface
public interface CollateralSource {
  /** @throws AttestationException when no collateral for this quote's platform can be had */
  IntelCollateral collateralFor(DcapQuote quote) throws AttestationException;

  /** One collateral set for every quote (its FMSPC check still applies). */
  static CollateralSource fixed(IntelCollateral collateral) {
    return quote -> collateral;
  }
}
