package dev.cloister.broker.store;

import dev.cloister.ledger.AuditLog;

/** Where admin changes are committed: each together with its audit entry, or not at all. */
public interface AuditedChanges {
  /**
   * Applies a change and records {@code action} on {@code target} in one transaction.
   *
   * @return false if the change found nothing to change (nothing was written)
   * @throws AuditUnavailableException if the log cannot be written; nothing was changed
   */
  boolean commit(String action, String target, AuditLog.Change change);
}
