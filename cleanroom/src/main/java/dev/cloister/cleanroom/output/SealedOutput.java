package dev.cloister.cleanroom.output;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.json.StrictJson;
import dev.cloister.cleanroom.contract.PartyKeys;
import dev.cloister.cleanroom.workload.PooledLogisticRegression;
import dev.cloister.cleanroom.workload.Table;
import dev.cloister.cleanroom.workload.WorkloadConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * A recipient's view of the job's output: the model and metrics, opened with the recipient's own
 * HPKE key and bound to the contract digest (opening fails for any other contract).
 */
public record SealedOutput(String contractDigest, WorkloadConfig workload, JsonNode metrics, JsonNode pooledMetrics, byte[] model) {
  private static final java.util.Set<String> FIELDS = java.util.Set.of("contract_digest", "workload", "metrics", "pooled_metrics", "model_tribuo_protobuf");

  /** Thrown when the sealed file does not open with this key for this contract. */
  public static final class CannotOpenException extends Exception {
    public CannotOpenException(String message) {
      super(message);
    }
  }

  public static SealedOutput open(Path sealed, Path keysDir, String party, String contractDigest)
      throws IOException, GeneralSecurityException, CannotOpenException {
    byte[] plain;
    try {
      plain = PartyKeys.decrypter(keysDir, party).decrypt(Files.readAllBytes(sealed),
          ("cloister-output:" + contractDigest).getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new CannotOpenException(sealed + " does not open with " + party + "'s key for contract " + contractDigest);
    }
    try {
      JsonNode n = StrictJson.object(plain, "output");
      StrictJson.onlyKnown(n, "output", FIELDS);
      JsonNode digest = n.path("contract_digest");
      JsonNode model = n.path("model_tribuo_protobuf");
      if (!digest.isTextual() || !model.isTextual()) {
        throw new MalformedEvidenceException("output", "contract_digest and model_tribuo_protobuf must be strings");
      }
      return new SealedOutput(digest.asText(), StrictJson.bind(n.get("workload"), WorkloadConfig.class, "output.workload"),
          n.get("metrics"), n.get("pooled_metrics"), Base64.getDecoder().decode(model.asText()));
    } catch (MalformedEvidenceException | IllegalArgumentException e) {
      throw new CannotOpenException(sealed + " opened but is not a job output: " + e.getMessage());
    }
  }

  /** Scores the model on a party's own rows (all of them, or only its held-out split). */
  public PooledLogisticRegression.Metrics evaluate(String party, Table table, boolean heldOutOnly) throws IOException {
    return PooledLogisticRegression.evaluate(model, workload, party, table, heldOutOnly);
  }

  @Override
  public String toString() {
    return "SealedOutput[" + contractDigest + ", " + model.length + "-byte model]";
  }
}
