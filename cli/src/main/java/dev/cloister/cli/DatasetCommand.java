package dev.cloister.cli;

import dev.cloister.broker.admin.AdminClient;
import dev.cloister.cleanroom.dataset.DataKey;
import dev.cloister.cleanroom.dataset.DatasetCipher;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "dataset", mixinStandardHelpOptions = true, description = "Encrypt a dataset and register its key with your broker; decrypt for your own checks.",
    subcommands = {DatasetCommand.Encrypt.class, DatasetCommand.Decrypt.class})
final class DatasetCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Progress on stderr about every two seconds, for large files. */
  static LongConsumer progress(PrintWriter err, String verb, long total) {
    long[] last = {System.nanoTime()};
    return done -> {
      long now = System.nanoTime();
      if (now - last[0] > 2_000_000_000L) {
        last[0] = now;
        err.printf("%s: %d / %d MB%n", verb, done >> 20, total >> 20);
        err.flush();
      }
    };
  }

  @Command(name = "encrypt", mixinStandardHelpOptions = true,
      description = {"Encrypt FILE with a fresh data key (Tink AES-256-GCM-HKDF streaming, 64 KiB segments; constant memory, truncation detected)",
          "and register the key in your broker under <repo>/dataset/<name> (or --resource). Prints the ciphertext SHA-256 for the contract."},
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:encrypted and registered", "1:failed (e.g. the broker refused or did not answer); nothing is left at --out", "2:usage error (e.g. --out or --key-out names the input)"})
  static final class Encrypt implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--in", required = true, paramLabel = "FILE.csv") Path in;
    @Option(names = "--out", required = true, paramLabel = "FILE.enc") Path out;
    @Option(names = "--name", required = true, paramLabel = "N", description = "Dataset name (bound into the ciphertext).") String name;
    @Option(names = "--broker", paramLabel = "URL") URI broker;
    @Option(names = "--admin-token", paramLabel = "F") Path adminToken;
    @Option(names = "--resource", paramLabel = "REPO/TYPE/TAG", description = "Default: <name>/dataset/<name>.") String resource;
    @Option(names = "--key-out", paramLabel = "F", description = "Also keep the key in F (mode 0600), for 'dataset decrypt'.") Path keyOut;

    @Override
    public Integer call() throws Exception {
      if ((broker == null) != (adminToken == null) || (broker == null && keyOut == null)) {
        throw new UsageException("give --broker and --admin-token (and/or --key-out)");
      }
      if (!Files.isRegularFile(in)) {
        throw new UsageException("--in " + in + ": no such file");
      }
      // By file identity, not by name: ./F, a symlink or a hard link to the input would be truncated by the first write.
      for (Path p : new Path[] {out, keyOut}) {
        if (p != null && Files.exists(p) && Files.isSameFile(in, p)) {
          throw new UsageException((p == out ? "--out " : "--key-out ") + p + " is the input file " + in + ": refusing to overwrite it");
        }
      }
      if (keyOut != null && Files.exists(keyOut, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new UsageException("--key-out " + keyOut + " exists: refusing to overwrite a key");
      }
      String token = broker != null ? new String(Inputs.read(adminToken), java.nio.charset.StandardCharsets.UTF_8).strip() : null;
      DataKey key = DataKey.generate();
      long start = System.nanoTime();
      String path = resource != null ? resource : name + "/dataset/" + name;
      // The ciphertext appears at --out only once its key is registered (and kept): a ciphertext whose key
      // was never stored is data lost, and one left over from a failed run would be mistaken for a good one.
      Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), "." + out.getFileName() + ".", ".tmp");
      boolean keyWritten = false;
      boolean done = false;
      String digest;
      double seconds;
      try {
        try (InputStream i = Files.newInputStream(in); OutputStream o = Files.newOutputStream(tmp)) {
          digest = DatasetCipher.encrypt(key, name, i, o, progress(spec.commandLine().getErr(), "encrypting", Files.size(in)));
        }
        seconds = (System.nanoTime() - start) / 1e9;
        if (keyOut != null) {
          try {
            dev.cloister.broker.store.SecretFiles.writeNew(keyOut, key.toBytes(DataKey.exportAccess()));
          } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new UsageException("--key-out " + keyOut + " exists: refusing to overwrite a key");
          }
          keyWritten = true;
        }
        if (broker != null) {
          try {
            new AdminClient(broker, token).putResource(path, key.toBytes(DataKey.exportAccess()));
          } catch (AdminClient.AdminException e) {
            throw new FailedException(e.getMessage() + "; " + out + " was not written");
          }
        }
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        done = true;
      } finally {
        Files.deleteIfExists(tmp);
        if (!done && keyWritten) {
          Files.deleteIfExists(keyOut); // a key for a ciphertext that was never written
        }
      }
      PrintWriter o = spec.commandLine().getOut();
      o.printf("dataset    %s%nencrypted  %s (%.1f MB/s)%nsha256     %s%n", name, out, Files.size(in) / 1e6 / Math.max(seconds, 1e-9), digest);
      o.println(broker != null ? "key        registered at " + broker + " as " + path : "key        " + keyOut + " (not registered)");
      return ExitCodes.OK;
    }
  }

  @Command(name = "decrypt", mixinStandardHelpOptions = true, description = "Decrypt a dataset with its key file (the owner's own check).",
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:decrypted", "1:wrong key or name, or the ciphertext was changed or truncated", "2:usage error"})
  static final class Decrypt implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--in", required = true, paramLabel = "FILE.enc") Path in;
    @Option(names = "--out", required = true, paramLabel = "FILE.csv") Path out;
    @Option(names = "--name", required = true, paramLabel = "N") String name;
    @Option(names = "--key", required = true, paramLabel = "F") Path keyFile;

    @Override
    public Integer call() throws Exception {
      if (Files.exists(out) && Files.exists(in) && Files.isSameFile(in, out)) {
        throw new UsageException("--out " + out + " is the input file " + in + ": refusing to overwrite it");
      }
      DataKey key = DataKey.fromBytes(Inputs.read(keyFile), DataKey.exportAccess());
      Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), ".decrypt", ".tmp");
      try {
        try (InputStream i = Files.newInputStream(in); OutputStream o = Files.newOutputStream(tmp)) {
          DatasetCipher.decrypt(key, name, i, o, progress(spec.commandLine().getErr(), "decrypting", Files.size(in)));
        }
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // only a fully authenticated file appears
      } catch (DatasetCipher.TamperedException e) {
        spec.commandLine().getErr().println("cloister: " + e.getMessage());
        return ExitCodes.REJECTED;
      } finally {
        Files.deleteIfExists(tmp);
      }
      spec.commandLine().getOut().println("decrypted " + name + " to " + out);
      return ExitCodes.OK;
    }
  }
}
