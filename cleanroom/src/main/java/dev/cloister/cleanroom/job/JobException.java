package dev.cloister.cleanroom.job;

/** The job stopped; names the party (or "contract", "workload") and the reason. Nothing was written. */
public final class JobException extends Exception {
  private final String party;

  public JobException(String party, String message, Throwable cause) {
    super(party + ": " + message, cause);
    this.party = party;
  }

  public JobException(String party, String message) {
    this(party, message, null);
  }

  public String party() {
    return party;
  }
}
