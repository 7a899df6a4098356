package dev.cloister.attestation.dcap.tcb;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.dcap.DcapQuote;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Offline collateral kept per platform family, as an operator refreshes it from a PCCS: for a
 * quote whose PCK certificate names FMSPC {@code f} (lower-case hex) and TEE {@code t} ({@code tdx}
 * or {@code sgx}), {@code <dir>/<t>-<f>.json} in dcap-qvl's layout or {@code <dir>/<t>-<f>/} holding
 * the PCS files. A platform with no entry has no collateral, and its quotes fail verification.
 */
public final class CollateralDirectory implements CollateralSource {
  private final Path dir;

  public CollateralDirectory(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir");
  }

  /** The entry name for a quote, e.g. {@code tdx-b0c06f000000}. */
  public static String entry(DcapQuote quote) throws AttestationException {
    return (quote.tdx() ? "tdx-" : "sgx-") + PckExtensions.of(quote.pckChain().getFirst()).fmspc().hex();
  }

  @Override
  public IntelCollateral collateralFor(DcapQuote quote) throws AttestationException {
    String name = entry(quote);
    Path json = dir.resolve(name + ".json");
    Path files = dir.resolve(name);
    try {
      if (Files.isRegularFile(json)) {
        return IntelCollateral.load(json);
      }
      if (Files.isDirectory(files)) {
        return IntelCollateral.load(files);
      }
    } catch (IOException e) {
      throw new VerificationException("collateral", "cannot read " + name + " in " + dir + ": " + e.getMessage());
    }
    throw new VerificationException("collateral", "no Intel collateral for " + name + " in " + dir);
  }
}
