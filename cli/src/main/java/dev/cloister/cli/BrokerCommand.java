package dev.cloister.cli;

import dev.cloister.broker.Broker;
import dev.cloister.broker.BrokerInit;
import dev.cloister.attestation.tee.TeeFamilies;
import dev.cloister.attestation.tee.SimulatedRoots;
import dev.cloister.enclave.simulated.SimulatedPlatforms;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "broker", mixinStandardHelpOptions = true,
    description = "A data owner's key broker: releases keys only to attested TEEs (KBS protocol v0).",
    subcommands = {BrokerCommand.Init.class, BrokerCommand.Serve.class})
final class BrokerCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Create a broker's state in DIR: master key, database, token-signing key, audit key, admin credential.",
          "The admin credential is written once to DIR/admin.token (mode 0600); the database keeps only its hash.",
          "The audit log's verifier key is written to DIR/audit.vkey: keep a copy elsewhere to check the log later."},
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:created", "1:failed (e.g. DIR already holds a broker)", "2:usage error"})
  static final class Init implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR")
    Path dataDir;

    @Option(names = "--database", paramLabel = "JDBC_URL",
        description = "Keep state in PostgreSQL (jdbc:postgresql://host:port/db; credentials from ~/.pgpass or the URL) instead of SQLite in DIR.")
    String database;

    @Override
    public Integer call() throws Exception {
      if (database != null && !database.startsWith("jdbc:postgresql:")) {
        throw new UsageException("--database must be a jdbc:postgresql: URL");
      }
      Path token = BrokerInit.init(dataDir, Clock.systemUTC(), Optional.ofNullable(database));
      PrintWriter out = spec.commandLine().getOut();
      out.println("broker state created in " + dataDir);
      out.println("  admin credential  " + token + " (mode 0600; only its hash is stored)");
      out.println("  audit verifier    " + Files.readString(dataDir.resolve("audit.vkey")).strip());
      return ExitCodes.OK;
    }
  }

  @Command(name = "serve", mixinStandardHelpOptions = true,
      description = {"Serve the KBS protocol and the admin API. Plain HTTP only on loopback; any other address needs TLS.",
          "Stops on SIGINT/SIGTERM."},
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:stopped", "1:failed to start", "2:usage error"})
  static final class Serve implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR")
    Path dataDir;

    @Option(names = "--port", required = true, paramLabel = "N", description = "TCP port (0: any free port).")
    int port;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "127.0.0.1", description = "Address to bind (default ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--tls-cert", paramLabel = "F", description = "PEM certificate chain.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "F", description = "PEM private key.")
    Path tlsKey;

    @Option(names = "--allow-simulated", description = "Accept evidence from the simulated platforms, SEV-SNP, TDX (with their collateral) and Nitro (never for real data).")
    boolean allowSimulated;

    @Option(names = "--platform", paramLabel = "DIR", description = "Simulated platform to trust with --allow-simulated (default: $CLOISTER_HOME/simulated-platform).")
    Path platformDir;

    @Option(names = "--session-timeout", paramLabel = "SECONDS", defaultValue = "300")
    long sessionSeconds;

    @Option(names = "--tee", paramLabel = "FAMILY", split = ",",
        description = "KBS tee families to accept, comma-separated (default: all of snp, az-snp-vtpm, nitro, tdx, sgx, az-tdx-vtpm).")
    List<String> tees;

    @Option(names = "--intel-pcs", paramLabel = "URL",
        description = "Fetch TDX/SGX collateral from Intel PCS (https://api.trustedservices.intel.com/) or a PCCS. "
            + "Default: offline, from DATA_DIR/intel-collateral/<tdx|sgx>-<fmspc>.json or .../<tdx|sgx>-<fmspc>/.")
    java.net.URI intelPcs;

    @Option(names = "--policy", paramLabel = "FAMILY=FILE",
        description = "Appraise FAMILY's evidence with FILE, a policy in the format 'attest verify --policy' reads for that family "
            + "(any family served; e.g. snp's minimum_tcb, tdx's minimum_tcb_date, sgx's mr_enclaves, nitro's pcrs); what the broker "
            + "binds to the session (report_data, nitro's user_data and nonce) is refused; repeatable. Default: the built-in appraisal.")
    java.util.Map<String, Path> policies = new java.util.LinkedHashMap<>();

    @Option(names = "--require-crl", description = "Refuse SEV-SNP evidence (snp, az-snp-vtpm) unless a CRL signed by its AMD root was checked "
        + "(kept in DATA_DIR/kds-cache/vcek/v1/<product>/crl).")
    boolean requireCrl;

    @Override
    public Integer call() throws Exception {
      if (port < 0 || port > 65535) {
        throw new UsageException("--port must be 0..65535");
      }
      SimulatedRoots simulated = SimulatedRoots.NONE;
      if (allowSimulated) {
        Path dir = platformDir != null ? platformDir : SimulatedPlatformDir.defaultDir();
        // The platforms (SEV-SNP, TDX, Nitro) are created if missing, so the broker and the TEE side agree on their roots.
        simulated = SimulatedPlatforms.openOrCreate(dir, Clock.systemUTC());
        spec.commandLine().getErr().println("cloister: WARNING: --allow-simulated: this broker releases keys to the SIMULATED platform in "
            + dir + "; it protects nothing. Every token and audit entry records this.");
      }
      Broker.Options o = new Broker.Options(dataDir, bind, port, Optional.ofNullable(tlsCert), Optional.ofNullable(tlsKey),
          allowSimulated, simulated, Clock.systemUTC(), Duration.ofSeconds(sessionSeconds), Duration.ofMinutes(5),
          tees == null ? Set.copyOf(TeeFamilies.names()) : Set.copyOf(tees), TeeFamilies.defaultNitroRoots(), Optional.ofNullable(intelPcs),
          policies, requireCrl);
      Broker broker;
      try {
        broker = Broker.start(o);
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        broker.close();
        stopped.countDown();
      }));
      // Fail closed is silent at release time; say at start which keys it is keeping from everyone.
      broker.unreleasableAtStart().forEach((resource, why) -> spec.commandLine().getErr().println(
          "cloister: WARNING: resource " + resource + " is released to no one: " + why + " (bind it with 'contract bind')"));
      spec.commandLine().getErr().flush();
      spec.commandLine().getOut().println("broker listening on " + broker.uri());
      spec.commandLine().getOut().flush();
      stopped.await();
      return ExitCodes.OK;
    }
  }
}
