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
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * The confidential job. Inside the TEE it: checks every party signed the contract; for each
 * dataset, attests to the owner's broker with a fresh key (KBS), receives the data key, checks the
 * ciphertext digest against the contract and decrypts in memory (plaintext never touches disk);
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
    Map<String, String> tokens = new LinkedHashMap<>();
    List<PooledLogisticRegression.PartyData> data = new ArrayList<>();
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
      byte[] ciphertext;
      try {
        ciphertext = Files.readAllBytes(file);
      } catch (IOException e) {
        throw new JobException(party, "cannot read dataset '" + d.name() + "': " + e.getMessage());
      }
      String digest = HexFormat.of().formatHex(sha(ciphertext, "SHA-256"));
      if (!digest.equals(d.ciphertextSha256())) {
        throw new JobException(party, "dataset '" + d.name() + "' is not the one in the contract (ciphertext SHA-256 " + digest + ")");
      }
      progress.accept("attesting to " + party + "'s broker at " + owner.broker());
      byte[] keyBytes = null;
      try {
        KbsClient kbs = new KbsClient(URI.create(owner.broker()));
        tokens.put(party, kbs.attest(in.platform()));
        keyBytes = kbs.resource(d.keyResource());
        DataKey key = DataKey.fromBytes(keyBytes, DataKey.exportAccess());
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        DatasetCipher.decrypt(key, d.name(), new ByteArrayInputStream(ciphertext), plain, n -> {});
        Table table;
        try (InputStream rows = new ByteArrayInputStream(plain.toByteArray())) {
          table = Table.readCsv(rows, d.name());
        }
        data.add(new PooledLogisticRegression.PartyData(party, table));
        progress.accept(party + ": key released, " + table.rows().size() + " rows decrypted in memory");
      } catch (KbsClient.KbsRefusedException e) {
        throw new JobException(party, "broker refused (HTTP " + e.status() + "): " + e.getMessage());
      } catch (DatasetCipher.TamperedException e) {
        throw new JobException(party, e.getMessage());
      } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
        throw new JobException(party, "cannot obtain or use the data key: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JobException(party, "interrupted");
      } finally {
        if (keyBytes != null) {
          Arrays.fill(keyBytes, (byte) 0);
        }
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
      Map<String, Object> receipt = new LinkedHashMap<>();
      receipt.put("contract_digest", contract.digestHex());
      receipt.put("measurement", in.platform().identity().measurement().hex());
      receipt.put("ear_tokens", tokens);
      receipt.put("outputs_sha256", outputDigests);
      byte[] canonical = new JsonCanonicalizer(JSON.writeValueAsString(receipt)).getEncodedUTF8();
      Map<String, Object> signed = new LinkedHashMap<>();
      signed.put("receipt", receipt);
      signed.put("report_data", "sha512(jcs(receipt))");
      signed.put("evidence", in.platform().evidence(sha(canonical, "SHA-512")));
      Files.write(staging.resolve("receipt.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(signed));
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
