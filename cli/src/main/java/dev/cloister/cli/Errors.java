package dev.cloister.cli;

import picocli.CommandLine;

/**
 * Turns an exception escaping a command into one line on stderr and an exit code: never a stack
 * trace, whatever the input.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    if (e instanceof UsageException) {
      cl.getErr().println("cloister: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    if (e instanceof FailedException || e instanceof dev.cloister.broker.admin.AdminClient.AdminException) {
      cl.getErr().println("cloister: " + e.getMessage()); // a sentence naming the broker or file: no class name to decode
      return ExitCodes.REJECTED;
    }
    cl.getErr().println("cloister: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    return ExitCodes.REJECTED;
  }
}
