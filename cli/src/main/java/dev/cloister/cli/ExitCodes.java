package dev.cloister.cli;

/** The documented exit codes. */
final class ExitCodes {
  static final int OK = 0;
  static final int REJECTED = 1;
  static final int USAGE = 2;

  private ExitCodes() {}
}
