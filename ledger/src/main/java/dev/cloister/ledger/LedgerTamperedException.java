package dev.cloister.ledger;

/** The log is not what its checkpoints attest: an entry or checkpoint was edited, removed, reordered or forged. */
public final class LedgerTamperedException extends Exception {
  public LedgerTamperedException(String message) {
    super(message);
  }
}
