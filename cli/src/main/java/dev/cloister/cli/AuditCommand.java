package dev.cloister.cli;

import dev.cloister.broker.admin.AdminClient;
import dev.cloister.ledger.AuditEntry;
import dev.cloister.ledger.AuditExport;
import dev.cloister.ledger.AuditLog;
import dev.cloister.ledger.LedgerTamperedException;
import dev.cloister.ledger.LedgerVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "audit", mixinStandardHelpOptions = true,
    description = "Check and export a broker's tamper-evident audit log.",
    subcommands = {AuditCommand.Verify.class, AuditCommand.Export.class})
final class AuditCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Where the log comes from: a data directory, or a running broker. */
  static final class Source {
    @Option(names = "--data-dir", paramLabel = "DIR", description = "A broker's data directory.")
    Path dataDir;

    @Option(names = "--url", paramLabel = "URL", description = "A running broker (needs --admin-token).")
    URI url;
  }

  /**
   * The log as one snapshot. From a data directory: one read transaction. From a running broker:
   * its latest checkpoint first, then the entries and checkpoints up to that checkpoint's size, page
   * by page, so appends that land meanwhile are simply not part of what is checked.
   */
  static AuditLog.Stored load(Source source, Path adminToken)
      throws IOException, InterruptedException, java.sql.SQLException, LedgerTamperedException {
    if (source.dataDir != null) {
      return AuditLog.readOnly(dev.cloister.broker.store.BrokerStore.database(source.dataDir));
    }
    if (adminToken == null) {
      throw new UsageException("--url needs --admin-token FILE");
    }
    AdminClient admin = new AdminClient(source.url, Files.readString(adminToken).strip());
    String latest = admin.get("/kbs/v0/audit/checkpoint");
    long size = latest.isEmpty() ? 0 : checkpointSize(latest);
    List<byte[]> entries = new ArrayList<>();
    while (entries.size() < size) {
      String page = admin.get("/kbs/v0/audit/entries?from=" + entries.size() + "&limit=" + PAGE + "&to=" + size);
      int before = entries.size();
      for (String line : page.split("\n")) {
        if (!line.isEmpty()) {
          entries.add(line.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (entries.size() == before) {
        throw new LedgerTamperedException("the broker's checkpoint covers " + size + " entries but it serves only " + before);
      }
    }
    List<String> checkpoints = new ArrayList<>();
    while (checkpoints.size() < size) {
      String notes = admin.get("/kbs/v0/audit/checkpoints?from=" + checkpoints.size() + "&limit=" + PAGE + "&to=" + size);
      if (notes.isEmpty()) {
        throw new LedgerTamperedException("the broker's checkpoint covers " + size + " entries but it serves only " + checkpoints.size() + " checkpoints");
      }
      checkpoints.addAll(Arrays.asList(notes.split("\f")));
    }
    return new AuditLog.Stored(entries, checkpoints);
  }

  /** Entries or checkpoints asked for per request: the broker's largest page. */
  static final int PAGE = 10_000;

  /** The tree size a signed note commits to (its second line); verified later with the rest. */
  static long checkpointSize(String note) throws LedgerTamperedException {
    String[] lines = note.split("\n", 3);
    try {
      return Long.parseLong(lines.length > 1 ? lines[1] : "");
    } catch (NumberFormatException e) {
      throw new LedgerTamperedException("the broker's latest checkpoint names no tree size");
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Check every entry, the Merkle tree and every signed checkpoint; fail on any edit, deletion or reordering.",
          "Pin the verifier key (DIR/audit.vkey at init, kept elsewhere). A checkpoint kept from an earlier check",
          "(--trusted-checkpoint) also catches truncation of the newest entries."},
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:the log is intact", "1:tampered or unreadable", "2:usage error (e.g. a malformed --vkey)"})
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--admin-token", paramLabel = "FILE")
    Path adminToken;

    @Option(names = "--vkey", paramLabel = "KEY", description = "The signed-note verifier key (default: DIR/audit.vkey).")
    String vkey;

    @Option(names = "--trusted-checkpoint", paramLabel = "FILE", description = "A checkpoint note saved earlier.")
    Path trusted;

    @Option(names = "--save-checkpoint", paramLabel = "FILE", description = "Write the latest checkpoint here after a successful check.")
    Path save;

    @Option(names = "--json")
    boolean json;

    @Override
    public Integer call() throws Exception {
      String key = vkey;
      if (key == null) {
        if (source.dataDir == null) {
          throw new UsageException("--url needs --vkey (the verifier key you pinned)");
        }
        key = new String(Inputs.read(source.dataDir.resolve("audit.vkey")), StandardCharsets.UTF_8).strip();
      }
      java.util.Map.Entry<String, java.security.PublicKey> vk;
      try {
        vk = dev.cloister.ledger.Checkpoint.parseVerifierKey(key);
      } catch (LedgerTamperedException e) {
        // A key that is not a key says nothing about the log: bad input, not TAMPERED.
        throw new UsageException((vkey != null ? "--vkey" : source.dataDir.resolve("audit.vkey").toString()) + ": " + e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      Map<String, Object> result = new LinkedHashMap<>();
      try {
        Optional<dev.cloister.ledger.Checkpoint> kept = Optional.empty();
        if (trusted != null) {
          kept = Optional.of(dev.cloister.ledger.Checkpoint.verify(Files.readString(trusted), vk.getKey(), vk.getValue()));
        }
        AuditLog.Stored log = load(source, adminToken);
        LedgerVerifier.Report r = LedgerVerifier.verify(log.entries(), log.checkpoints(), vk.getKey(), vk.getValue(), kept);
        if (save != null && r.latest() != null) {
          Files.writeString(save, r.latest().note());
        }
        result.put("verdict", "intact");
        result.put("entries", r.entries());
        result.put("checkpoints", r.checkpoints());
        result.put("root", r.rootHex());
        if (json) {
          Output.json(out, result);
        } else {
          out.println("INTACT  " + r.entries() + " entries, " + r.checkpoints() + " signed checkpoints, root " + r.rootHex());
        }
        return ExitCodes.OK;
      } catch (LedgerTamperedException e) {
        result.put("verdict", "tampered");
        result.put("reason", e.getMessage());
        if (json) {
          Output.json(out, result);
        } else {
          out.println("TAMPERED  " + e.getMessage());
        }
        return ExitCodes.REJECTED;
      }
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Stream the entries for a SIEM, one JSON object per line: as stored (jsonl, with leaf hashes) or as OCSF 1.3 events.",
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:exported", "1:unreadable", "2:usage error"})
  static final class Export implements Callable<Integer> {
    @Spec CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--admin-token", paramLabel = "FILE")
    Path adminToken;

    @Option(names = "--format", defaultValue = "jsonl", description = "jsonl or ocsf (default ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() throws Exception {
      if (!format.equals("jsonl") && !format.equals("ocsf")) {
        throw new UsageException("--format must be jsonl or ocsf");
      }
      List<AuditEntry> entries = load(source, adminToken).parsed();
      PrintWriter out = spec.commandLine().getOut();
      if (format.equals("ocsf")) {
        AuditExport.ocsf(entries, out);
      } else {
        AuditExport.jsonl(entries, out);
      }
      out.flush();
      return ExitCodes.OK;
    }
  }
}
