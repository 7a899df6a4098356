package dev.cloister.cli;

/**
 * The command failed for a reason outside the user's input (a broker that does not answer, a file
 * that would not open): exit 1 with the message alone, which is already a sentence for the user.
 */
final class FailedException extends RuntimeException {
  FailedException(String message) {
    super(message);
  }
}
