package dev.cloister.cli;

import dev.cloister.attestation.crypto.CryptoProviders;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code cloister}: the entry point. Exit codes, for every command: 0 success (for {@code attest
 * verify}: accepted), 1 rejected or failed, 2 usage error.
 */
@Command(
    name = "cloister",
    mixinStandardHelpOptions = true,
    version = "cloister 0.1.0",
    description = "Confidential multi-party computation on hardware TEEs.",
    subcommands = {DemoCommand.class, AttestCommand.class, BrokerCommand.class, AuditCommand.class, DatasetCommand.class, ContractCommand.class,
        MeasureCommand.class, RefvaluesCommand.class, JobCommand.class, ModelCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success (attest verify: accepted)", "1:rejected or failed", "2:usage error"})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code (tests call this). */
  public static int run(String... args) {
    CryptoProviders.install(); // native ECDSA/AES-GCM/SHA-2 where available; the JDK's otherwise
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(new Errors());
    return cl.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
