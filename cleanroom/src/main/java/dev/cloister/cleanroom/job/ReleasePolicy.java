package dev.cloister.cleanroom.job;

import dev.cloister.cleanroom.contract.Contract;

/**
 * The release policy a data owner sets on its dataset key for a contract: the evidence must be
 * affirming, its HOST_DATA must be this contract's digest, and its measurement the contract's
 * workload measurement, or one the broker holds as a signed reference value of the name the
 * contract gives. A workload that is not exactly the approved one, or that runs for another
 * contract, gets nothing.
 */
public final class ReleasePolicy {
  private ReleasePolicy() {}

  /** CEL for a broker run without simulation (hardware only). */
  public static String cel(Contract c, boolean simulatedAllowed) {
    String platform = simulatedAllowed ? "claims.platform in ['hardware', 'simulated']" : "claims.platform == 'hardware'";
    String measurement = c.workload().measurement() != null
        ? "claims.measurement == '" + c.workload().measurement() + "'"
        : "claims.measurement in reference_values['" + c.workload().referenceValue() + "']";
    return "status == 'affirming' && " + platform + " && claims.host_data == '" + c.digestHex() + "' && " + measurement;
  }
}
