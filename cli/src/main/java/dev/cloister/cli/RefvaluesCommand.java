package dev.cloister.cli;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.cloister.attestation.refvalue.ReferenceValue;
import dev.cloister.attestation.refvalue.ReferenceValueException;
import dev.cloister.attestation.refvalue.SignedReferenceValues;
import dev.cloister.broker.admin.AdminClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "refvalues", mixinStandardHelpOptions = true,
    description = "Reference values: expected measurements signed by a build pipeline's key, for brokers that trust it.",
    subcommands = {RefvaluesCommand.Keygen.class, RefvaluesCommand.Sign.class, RefvaluesCommand.Verify.class, RefvaluesCommand.Publish.class})
final class RefvaluesCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static ECKey key(Path f) throws Exception {
    return ECKey.parse(Files.readString(f));
  }

  @Command(name = "keygen", mixinStandardHelpOptions = true, description = "Create a pipeline signing key: DIR/NAME.jwk (private, 0600) and DIR/NAME.pub.jwk.")
  static final class Keygen implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--out-dir", required = true, paramLabel = "DIR") Path dir;
    @Option(names = "--name", required = true, description = "Key ID, e.g. the pipeline's name.") String name;

    @Override
    public Integer call() throws Exception {
      ECKey k = new ECKeyGenerator(Curve.P_256).keyID(name).generate();
      Files.createDirectories(dir);
      dev.cloister.broker.store.SecretFiles.writeNew(dir.resolve(name + ".jwk"), k.toJSONString().getBytes(StandardCharsets.UTF_8));
      Files.writeString(dir.resolve(name + ".pub.jwk"), k.toPublicJWK().toJSONString() + "\n");
      spec.commandLine().getOut().println("pipeline key " + name + ": " + dir.resolve(name + ".jwk") + " (private), " + dir.resolve(name + ".pub.jwk"));
      return ExitCodes.OK;
    }
  }

  @Command(name = "sign", mixinStandardHelpOptions = true, description = "Sign a reference value (compact JWS over its RFC 8785 JSON); prints the document.")
  static final class Sign implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--key", required = true, paramLabel = "F") Path keyFile;
    @Option(names = "--measurement", required = true, paramLabel = "HEX") String measurement;
    @Option(names = "--name", required = true) String name;
    @Option(names = "--version", required = true) String version;
    @Option(names = "--kind", defaultValue = "sev-snp", description = "sev-snp or workload (default ${DEFAULT-VALUE}).") String kind;
    @Option(names = "--valid-until", paramLabel = "TIME", description = "ISO-8601 instant or epoch seconds.") String validUntil;
    @Option(names = "--out", paramLabel = "F") Path out;

    @Override
    public Integer call() throws Exception {
      ReferenceValue rv;
      try {
        rv = new ReferenceValue(name, version, kind, measurement.toLowerCase(Locale.ROOT), Instant.now(),
            Optional.ofNullable(validUntil).map(Inputs::time));
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      String doc = SignedReferenceValues.sign(rv, key(keyFile));
      if (out != null) {
        Files.writeString(out, doc + "\n");
      }
      spec.commandLine().getOut().println(doc);
      return ExitCodes.OK;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true, description = "Check a reference value against trusted pipeline public keys.",
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:valid", "1:refused (unsigned, untrusted, forged or expired)", "2:usage error"})
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "DOCUMENT") Path document;
    @Option(names = "--trusted-key", required = true, paramLabel = "PUB.jwk") List<Path> keys;
    @Option(names = "--expect", paramLabel = "HEX", description = "Also require this measurement (fail a pipeline on a mismatch).") String expect;

    @Override
    public Integer call() throws Exception {
      List<ECKey> trusted = new java.util.ArrayList<>();
      for (Path k : keys) {
        trusted.add(key(k));
      }
      try {
        ReferenceValue rv = SignedReferenceValues.verify(Files.readString(document), trusted, Instant.now());
        if (expect != null && !rv.measurement().equals(expect.toLowerCase(Locale.ROOT))) {
          spec.commandLine().getOut().println("MISMATCH  " + rv.name() + " " + rv.version() + " measures " + rv.measurement() + ", expected " + expect);
          return ExitCodes.REJECTED;
        }
        spec.commandLine().getOut().println("VALID  " + rv.name() + " " + rv.version() + " " + rv.kind() + " " + rv.measurement());
        return ExitCodes.OK;
      } catch (ReferenceValueException e) {
        spec.commandLine().getOut().println("REFUSED  " + e.getMessage());
        return ExitCodes.REJECTED;
      }
    }
  }

  @Command(name = "publish", mixinStandardHelpOptions = true,
      description = "Send a signed reference value to a broker (which checks it against the pipeline keys its admin trusts); --trust-key first registers a pipeline key.")
  static final class Publish implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--broker", required = true, paramLabel = "URL") URI broker;
    @Option(names = "--admin-token", required = true, paramLabel = "F") Path adminToken;
    @Option(names = "--trust-key", paramLabel = "PUB.jwk") Path trustKey;
    @Option(names = "--file", paramLabel = "DOCUMENT") Path file;

    @Override
    public Integer call() throws Exception {
      if (trustKey == null && file == null) {
        throw new UsageException("give --trust-key and/or --file");
      }
      AdminClient admin = new AdminClient(broker, Files.readString(adminToken).strip());
      if (trustKey != null && !post(admin, "/kbs/v0/reference-value-keys", Files.readString(trustKey))) {
        return ExitCodes.REJECTED;
      }
      if (file != null && !post(admin, "/kbs/v0/reference-value", Files.readString(file))) {
        return ExitCodes.REJECTED;
      }
      return ExitCodes.OK;
    }

    private boolean post(AdminClient admin, String path, String body) {
      try {
        spec.commandLine().getOut().println(path + ": " + admin.post(path, body));
        return true;
      } catch (AdminClient.AdminException e) {
        spec.commandLine().getErr().println("cloister: " + e.getMessage());
        return false;
      }
    }
  }
}
