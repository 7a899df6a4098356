package dev.cloister.broker.store;

/**
 * The audit log could not be written (for example the disk or database is full), so the operation
 * that needed an entry did not happen: no change, no release. The broker answers 503 and keeps
 * serving; the next write succeeds once the cause is gone.
 */
public final class AuditUnavailableException extends RuntimeException {
  public AuditUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
