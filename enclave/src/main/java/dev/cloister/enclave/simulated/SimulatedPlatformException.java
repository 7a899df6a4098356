package dev.cloister.enclave.simulated;

/** The simulated platform's state is missing, unreadable or inconsistent. Never carries key material. */
public final class SimulatedPlatformException extends Exception {
  public SimulatedPlatformException(String message) {
    super(message);
  }

  public SimulatedPlatformException(String message, Throwable cause) {
    super(message, cause);
  }
}
