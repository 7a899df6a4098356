package dev.cloister.attestation.dcap.tcb;

import dev.cloister.attestation.MalformedEvidenceException;

/**
 * Intel's TCB statuses, as named in TCB info and QE identity collateral, plus the two relaunch
 * statuses Intel's verification library reports for TDX 1.5. How platform, QE and TDX module
 * statuses combine is Intel's convergence rule, applied by the evaluator, not this order.
 */
public enum TcbStatus {
  UP_TO_DATE("UpToDate"),
  SW_HARDENING_NEEDED("SWHardeningNeeded"),
  CONFIGURATION_NEEDED("ConfigurationNeeded"),
  CONFIGURATION_AND_SW_HARDENING_NEEDED("ConfigurationAndSWHardeningNeeded"),
  OUT_OF_DATE("OutOfDate"),
  OUT_OF_DATE_CONFIGURATION_NEEDED("OutOfDateConfigurationNeeded"),
  /** TDX 1.5: the platform was updated, a relaunch of the TD would bring it up to date. */
  TD_RELAUNCH_ADVISED("TDRelaunchAdvised"),
  /** As {@link #TD_RELAUNCH_ADVISED}, and the platform also needs configuration. */
  TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED("TDRelaunchAdvisedConfigurationNeeded"),
  REVOKED("Revoked");

  private final String label;

  TcbStatus(String label) {
    this.label = label;
  }

  /** Intel's spelling, as in the collateral JSON. */
  public String label() {
    return label;
  }

  /** Configuration of the platform is needed for this status to improve (Intel's grouping). */
  public boolean configurationNeeded() {
    return switch (this) {
      case CONFIGURATION_NEEDED, CONFIGURATION_AND_SW_HARDENING_NEEDED, OUT_OF_DATE_CONFIGURATION_NEEDED, TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED -> true;
      default -> false;
    };
  }

  public static TcbStatus parse(String field, String label) throws MalformedEvidenceException {
    for (TcbStatus s : values()) {
      if (s.label.equals(label)) {
        return s;
      }
    }
    throw new MalformedEvidenceException(field, "unknown TCB status '" + label + "'");
  }

  @Override
  public String toString() {
    return label;
  }
}
