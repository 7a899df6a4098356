package dev.cloister.cli;

import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.tcb.TcbVerdict;
import java.nio.file.Path;
import java.time.Clock;

/**
 * {@code attest verify --collateral}: where Intel collateral meets a verified TDX or SGX quote.
 * {@link #evaluate} is the one method to fill in once {@code dcap.tcb} verifies collateral; the
 * command already prints its verdict ({@code tcb_status}, {@code advisory_ids}) and decides on it.
 */
final class IntelCollateral {
  private IntelCollateral() {}

  /**
   * Loads Intel collateral from {@code collateral} (a file, or a directory of TCB info, QE
   * identity, CRLs and issuer chains), verifies it to the pinned Intel root at {@code clock}, and
   * evaluates the TCB status of {@code verified} (a quote that passed {@code DcapVerifier}).
   *
   * @throws UsageException for now: collateral is not evaluated yet, and nothing pretends it was
   */
  static TcbVerdict evaluate(DcapQuote verified, Path collateral, Clock clock) {
    throw new UsageException("--collateral: Intel collateral and TCB status are not yet supported; "
        + "without --collateral the quote's cryptographic checks run and tcb_status stays unevaluated");
  }
}
