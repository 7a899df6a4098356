package dev.cloister.attestation.dcap.appraise;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.dcap.tcb.TcbStatus;
import dev.cloister.attestation.json.PolicyJson;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The {@link TcbPolicy} keys shared by the TDX and SGX policy files: {@code tcb_status} (Intel's
 * status name to {@code affirming}, {@code warning} or {@code contraindicated}; statuses not named
 * keep their default), {@code minimum_tcb_date} and {@code require_collateral}.
 */
final class TcbPolicyFields {
  static final Set<String> KEYS = Set.of("tcb_status", "minimum_tcb_date", "require_collateral");

  private TcbPolicyFields() {}

  /** Applies {@code root}'s TCB keys to the defaults; {@link TcbPolicy.Builder#build} refuses an accepted Revoked. */
  static TcbPolicy read(JsonNode root) {
    TcbPolicy.Builder b = TcbPolicy.builder();
    JsonNode statuses = root.get("tcb_status");
    if (statuses != null) {
      if (!statuses.isObject()) {
        throw new IllegalArgumentException("tcb_status: must be an object from Intel's status name to affirming, warning or contraindicated");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = statuses.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String k = "tcb_status." + e.getKey();
        b.status(status(k, e.getKey()), tier(k, PolicyJson.text(k, e.getValue())));
      }
    }
    JsonNode date = root.get("minimum_tcb_date");
    if (date != null) {
      b.minimumTcbDate(PolicyJson.instant("minimum_tcb_date", date));
    }
    JsonNode collateral = root.get("require_collateral");
    if (collateral != null) {
      b.requireCollateral(PolicyJson.bool("require_collateral", collateral));
    }
    return b.build();
  }

  private static TcbStatus status(String k, String label) {
    for (TcbStatus s : TcbStatus.values()) {
      if (s.label().equals(label)) {
        return s;
      }
    }
    throw new IllegalArgumentException(k + ": unknown TCB status (known: "
        + String.join(", ", java.util.Arrays.stream(TcbStatus.values()).map(TcbStatus::label).toList()) + ")");
  }

  private static TrustTier tier(String k, String label) {
    for (TrustTier t : Set.of(TrustTier.AFFIRMING, TrustTier.WARNING, TrustTier.CONTRAINDICATED)) {
      if (t.label().equals(label)) {
        return t;
      }
    }
    throw new IllegalArgumentException(k + ": must be affirming, warning or contraindicated");
  }
}
