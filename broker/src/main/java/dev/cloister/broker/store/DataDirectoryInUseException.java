package dev.cloister.broker.store;

/** Another broker already serves this data directory (or database); the message names it. */
public final class DataDirectoryInUseException extends IllegalStateException {
  public DataDirectoryInUseException(String message) {
    super(message);
  }
}
