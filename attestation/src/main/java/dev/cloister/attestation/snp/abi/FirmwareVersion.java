package dev.cloister.attestation.snp.abi;

/** A SEV firmware version: API major.minor and build, as in CURRENT_* and COMMITTED_* fields. */
public record FirmwareVersion(int major, int minor, int build) {
  public FirmwareVersion {
    if (major < 0 || major > 0xFF || minor < 0 || minor > 0xFF || build < 0 || build > 0xFF) {
      throw new IllegalArgumentException("firmware version parts are bytes");
    }
  }

  /** {@code major << 8 | minor}, the form go-sev-guest's MinimumVersion compares. */
  public int apiVersion() {
    return major << 8 | minor;
  }

  @Override
  public String toString() {
    return major + "." + minor + " build " + build;
  }
}
