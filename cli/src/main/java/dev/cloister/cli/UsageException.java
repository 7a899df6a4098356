package dev.cloister.cli;

/** A problem with what the user asked for (missing file, bad hex): exit 2 with the message. */
final class UsageException extends RuntimeException {
  UsageException(String message) {
    super(message);
  }
}
