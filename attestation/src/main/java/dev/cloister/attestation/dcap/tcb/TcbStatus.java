package dev.cloister.attestation.dcap.tcb;

import dev.cloister.attestation.MalformedEvidenceException;

/**
 * Intel's TCB statuses, as named in TCB info and QE identity collateral. Order is Intel's merge
 * order: when the platform, the QE and the TDX module each earn a status, the reported one is the
 * worst by this order (with Intel's special cases applied by the evaluator).
 */
public enum TcbStatus {
  UP_TO_DATE("UpToDate"),
  SW_HARDENING_NEEDED("SWHardeningNeeded"),
  CONFIGURATION_NEEDED("ConfigurationNeeded"),
  CONFIGURATION_AND_SW_HARDENING_NEEDED("ConfigurationAndSWHardeningNeeded"),
  OUT_OF_DATE("OutOfDate"),
  OUT_OF_DATE_CONFIGURATION_NEEDED("OutOfDateConfigurationNeeded"),
  REVOKED("Revoked");

  private final String label;

  TcbStatus(String label) {
    this.label = label;
  }

  /** Intel's spelling, as in the collateral JSON. */
  public String label() {
    return label;
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
