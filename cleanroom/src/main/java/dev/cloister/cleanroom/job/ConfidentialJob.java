package dev.cloister.cleanroom.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.crypto.tink.HybridEncrypt;
import dev.cloister.cleanroom.contract.Contract;
import dev.cloister.cleanroom.contract.ContractException;
import dev.cloister.cleanroom.contract.PartyKeys;
import dev.cloister.cleanroom.contract.SignedContract;
import dev.cloister.cleanroom.dataset.DataKey;
import dev.cloister.cleanroom.dataset.DatasetCipher;
import dev.cloister.cleanroom.workload.PooledLogisticRegression;
import dev.cloister.cleanroom.workload.Table;
import dev.cloister.cleanroom.workload.WorkloadBundle;
import dev.cloister.cleanroom.workload.WorkloadConfig;
import dev.cloister.enclave.Platform;
import dev.cloister.enclave.kbs.KbsClient;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The confidential job. Inside the TEE it: checks every party signed the contract; checks every
 * ciphertext's digest against the contract; attests to every owner's broker with a fresh key
 * (KBS), all at once, and receives the data keys; decrypts each dataset in memory, streaming
 * straight into its rows (plaintext never touches disk, and is never held whole);
 * trains the workload; seals the model and metrics to each recipient with HPKE (RFC 9180, the
 * contract digest as context); and writes a receipt whose REPORT_DATA is the SHA-512 of the
 * receipt, so the receipt itself is attested. Outputs are written only when everything succeeded.
 */
public final class ConfidentialJob {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ConfidentialJob() {}

  /** What the job was given. {@code ciphertexts} maps dataset names to files. */
  public record Inputs(SignedContract contract, Path bundle, Map<String, Path> ciphertexts, Platform platform, Path outDir) {}

  /** What it produced. */
  public record Outcome(String contractDigest, String measurement, Map<String, String> tokens,
      Map<String, PooledLogisticRegression.Metrics> metrics, PooledLogisticRegression.Metrics pooled, Map<String, Path> outputs, Path receipt) {}

  public static Outcome run(Inputs in, Consumer<String> progress) throws JobException {
    Contract contract = in.contract().contract();
    try {
      in.contract().verify();
    } catch (ContractException e) {
      throw new JobException("contract", e.getMessage());
    }
    WorkloadConfig config;
    try {
      config = WorkloadBundle.config(in.bundle());
    } catch (IOException | IllegalArgumentException e) {
      throw new JobException("workload", "cannot read " + WorkloadBundle.CONFIG + ": " + e.getMessage());
    }
    Consumer<String> say = m -> {
      synchronized (progress) {
        progress.accept(m);
      }
    };
    Map<String, String> tokens = new LinkedHashMap<>();
    List<PooledLogisticRegression.PartyData> data = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      // 1. Each dataset in turn: named, on disk and the one the contract names, and only then its
      //    owner's broker is asked for the key (as when this ran one dataset at a time). The
      //    releases run at once on virtual threads, overlapping each other and the next digests:
      //    each is a few round trips of waiting, and six in a row cost six times the wait.
      List<Planned> plan = new ArrayList<>();
      List<Future<Released>> releases = new ArrayList<>();
      try {
        for (Contract.Dataset d : contract.datasets()) {
          String party = d.party();
          Contract.Party owner;
          try {
            owner = contract.party(party);
          } catch (ContractException e) {
            throw new JobException(party, e.getMessage());
          }
          Path file = in.ciphertexts().get(d.name());
          if (file == null || !Files.isRegularFile(file)) {
            throw new JobException(party, "ciphertext of dataset '" + d.name() + "' not found");
          }
          String digest;
          try (InputStream f = Files.newInputStream(file)) {
            digest = DatasetCipher.sha256(f);
          } catch (IOException e) {
            throw new JobException(party, "cannot read dataset '" + d.name() + "': " + e.getMessage());
          }
          if (!digest.equals(d.ciphertextSha256())) {
            throw new JobException(party, "dataset '" + d.name() + "' is not the one in the contract (ciphertext SHA-256 " + digest + ")");
          }
          Planned p = new Planned(d, owner, file);
          plan.add(p);
          releases.add(pool.submit(() -> release(p, in.platform(), say)));
        }
      } catch (JobException e) {
        discard(pool, releases);
        throw e;
      }
      // 2. Decrypt and parse each dataset as its key arrives, streaming: the plaintext is never whole in memory.
      for (int i = 0; i < plan.size(); i++) {
        Planned p = plan.get(i);
        String party = p.dataset().party();
        Released r;
        try {
          r = releases.get(i).get();
        } catch (ExecutionException e) {
          discard(pool, releases);
          throw releaseFailure(party, e.getCause());
        } catch (InterruptedException e) {
          discard(pool, releases);
          Thread.currentThread().interrupt();
          throw new JobException(party, "interrupted");
        }
        tokens.put(party, r.token());
        try {
          data.add(new PooledLogisticRegression.PartyData(party, decryptRows(p, r.keyBytes())));
        } catch (JobException e) {
          discard(pool, releases);
          throw e;
        } finally {
          Arrays.fill(r.keyBytes(), (byte) 0);
        }
        say.accept(party + ": key released, " + data.getLast().table().rows().size() + " rows decrypted in memory");
      }
    }
    progress.accept("training " + config.workload() + " on " + data.stream().mapToInt(p -> p.table().rows().size()).sum() + " rows from "
        + data.size() + " parties");
    PooledLogisticRegression.Result result;
    try {
      result = PooledLogisticRegression.train(config, data);
    } catch (IOException e) {
      throw new JobException("workload", e.getMessage());
    }
    return seal(in, contract, config, result, tokens, progress);
  }

  private record Planned(Contract.Dataset dataset, Contract.Party owner, Path file) {}

  private record Released(String token, byte[] keyBytes) {}

  /** One KBS session with the dataset owner's broker: attest, then fetch the data key. */
  private static Released release(Planned p, Platform platform, Consumer<String> say) throws Exception {
    say.accept("attesting to " + p.dataset().party() + "'s broker at " + p.owner().broker());
    KbsClient kbs = new KbsClient(URI.create(p.owner().broker()));
    String token = kbs.attest(platform);
    return new Released(token, kbs.resource(p.dataset().keyResource()));
  }

  /** On failure: stops releases still running and wipes every data key already received. */
  private static void discard(ExecutorService pool, List<Future<Released>> releases) {
    pool.shutdownNow();
    try {
      pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Future<Released> f : releases) {
      if (f.state() == Future.State.SUCCESS) {
        Arrays.fill(f.resultNow().keyBytes(), (byte) 0);
      }
    }
  }

  private static JobException releaseFailure(String party, Throwable cause) {
    return switch (cause) {
      case KbsClient.KbsRefusedException e -> new JobException(party, "broker refused (HTTP " + e.status() + "): " + e.getMessage());
      case InterruptedException e -> new JobException(party, "interrupted");
      default -> new JobException(party, "cannot obtain or use the data key: " + cause.getMessage());
    };
  }

  /**
   * Decrypts and parses one dataset in a single streaming pass. The ciphertext is hashed again as
   * it is read, so the bytes decrypted are the bytes whose digest the contract names, even if the
   * file changed after the first check.
   */
  private static Table decryptRows(Planned p, byte[] keyBytes) throws JobException {
    String party = p.dataset().party();
    String name = p.dataset().name();
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    Table table;
    try (InputStream file = new DigestInputStream(new BufferedInputStream(Files.newInputStream(p.file()), 1 << 16), sha256)) {
      DataKey key = DataKey.fromBytes(keyBytes, DataKey.exportAccess());
      // Not closed on its own: closing it would close the file before the digest has seen every byte.
      table = Table.readCsv(DatasetCipher.decrypting(key, name, file), name);
      file.transferTo(OutputStream.nullOutputStream()); // anything after the last segment still counts toward the digest
    } catch (DatasetCipher.TamperedStreamException e) {
      throw new JobException(party, e.getMessage());
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new JobException(party, "cannot obtain or use the data key: " + e.getMessage());
    }
    if (!HexFormat.of().formatHex(sha256.digest()).equals(p.dataset().ciphertextSha256())) {
      throw new JobException(party, "dataset '" + name + "' changed while the job read it");
    }
    return table;
  }

  private static Outcome seal(Inputs in, Contract contract, WorkloadConfig config, PooledLogisticRegression.Result result,
      Map<String, String> tokens, Consumer<String> progress) throws JobException {
    try {
      Map<String, Object> output = new LinkedHashMap<>();
      output.put("contract_digest", contract.digestHex());
      output.put("workload", config);
      output.put("metrics", result.perParty());
      output.put("pooled_metrics", result.pooled());
      output.put("model_tribuo_protobuf", Base64.getEncoder().encodeToString(result.model()));
      byte[] plaintext = JSON.writeValueAsBytes(output);
      byte[] context = ("cloister-output:" + contract.digestHex()).getBytes(StandardCharsets.US_ASCII);
      Path staging = Files.createTempDirectory(in.outDir().toAbsolutePath().getParent() == null ? Path.of(".") : in.outDir().toAbsolutePath().getParent(), ".job-");
      Map<String, String> outputDigests = new LinkedHashMap<>();
      Map<String, Path> outputs = new LinkedHashMap<>();
      for (Contract.Recipient r : contract.recipients()) {
        HybridEncrypt enc = PartyKeys.encrypterFor(r.hpkePublicKeyset());
        byte[] sealed = enc.encrypt(plaintext, context);
        Files.write(staging.resolve(r.party() + ".model.hpke"), sealed);
        outputDigests.put(r.party(), HexFormat.of().formatHex(sha(sealed, "SHA-256")));
      }
      Arrays.fill(plaintext, (byte) 0);
      Receipt receipt = new Receipt(contract.digestHex(), in.platform().identity().measurement().hex(), tokens, outputDigests);
      Receipt.Attested attested = new Receipt.Attested(receipt, in.platform().tee(), in.platform().evidence(receipt.reportData()));
      Files.write(staging.resolve("receipt.json"), attested.toJson());
      Files.createDirectories(in.outDir());
      for (Contract.Recipient r : contract.recipients()) {
        Path target = in.outDir().resolve(r.party() + ".model.hpke");
        Files.move(staging.resolve(r.party() + ".model.hpke"), target, StandardCopyOption.REPLACE_EXISTING);
        outputs.put(r.party(), target);
      }
      Path receiptFile = in.outDir().resolve("receipt.json");
      Files.move(staging.resolve("receipt.json"), receiptFile, StandardCopyOption.REPLACE_EXISTING);
      Files.deleteIfExists(staging);
      progress.accept("model and metrics sealed to " + outputs.size() + " recipients; receipt attested");
      return new Outcome(contract.digestHex(), in.platform().identity().measurement().hex(), tokens, result.perParty(), result.pooled(), outputs,
          receiptFile);
    } catch (Exception e) {
      throw new JobException("output", "cannot seal the output: " + e.getMessage(), e);
    }
  }

  static byte[] sha(byte[] b, String alg) {
    try {
      return MessageDigest.getInstance(alg).digest(b);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
