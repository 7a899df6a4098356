package dev.cloister.attestation.nitro;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.cel.CelExpression;
import dev.cloister.attestation.cel.CelRule;
import dev.cloister.attestation.json.PolicyJson;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@link NitroAppraiser.Options} from a JSON policy file: {@code allow_debug}, {@code pcrs}
 * (index 0..31 to the hex value, 48 bytes for SHA-384), {@code nonce}, {@code user_data}, {@code
 * public_key} (hex), {@code cel} (a rule over the claims, see {@link dev.cloister.attestation.cel.CelRule}). An unknown or duplicate key is an error naming it. Simulation cannot be
 * allowed from a file.
 *
 * <pre>{@code
 * {"allow_debug": false, "pcrs": {"0": "<96 hex>", "8": "<96 hex>"}, "nonce": "<hex>",
 *  "user_data": "<hex>", "public_key": "<hex>", "cel": "claims.debug == false"}
 * }</pre>
 */
public final class NitroPolicyFile {
  /** Every key a Nitro policy file may hold. */
  public static final Set<String> KEYS = Set.of("allow_debug", "pcrs", "nonce", "user_data", "public_key", "cel");

  private NitroPolicyFile() {}

  /** @throws IllegalArgumentException naming the key that is unknown, repeated or wrong */
  public static NitroAppraiser.Options parse(byte[] json) {
    return parse(PolicyJson.read(json));
  }

  /** The options in an already read policy object (see {@link PolicyJson#read}). */
  public static NitroAppraiser.Options parse(JsonNode root) {
    PolicyJson.onlyKnown(root, KEYS);
    boolean allowDebug = false;
    Map<Integer, Octets> pcrs = Map.of();
    Optional<Octets> nonce = Optional.empty();
    Optional<Octets> userData = Optional.empty();
    Optional<Octets> publicKey = Optional.empty();
    Optional<CelExpression> cel = Optional.empty();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String k = e.getKey();
      JsonNode v = e.getValue();
      switch (k) {
        case "allow_debug" -> allowDebug = PolicyJson.bool(k, v);
        case "pcrs" -> {
          pcrs = PolicyJson.indexed(k, v, 31);
          // The NSM's PCRs are SHA-384 (AWS: "PCR values are SHA384 hashes"); any other length can never match.
          pcrs.forEach((i, p) -> {
            if (p.length() != 48) {
              throw new IllegalArgumentException(k + "." + i + ": a Nitro PCR is 48 bytes (SHA-384), got " + p.length());
            }
          });
        }
        case "nonce" -> nonce = Optional.of(PolicyJson.hex(k, v));
        case "user_data" -> userData = Optional.of(PolicyJson.hex(k, v));
        case "public_key" -> publicKey = Optional.of(PolicyJson.hex(k, v));
        case "cel" -> cel = Optional.of(CelRule.compile(PolicyJson.text(k, v)));
        default -> throw new IllegalArgumentException("unknown key '" + k + "'");
      }
    }
    return new NitroAppraiser.Options(allowDebug, pcrs, nonce, userData, publicKey, false, cel);
  }
}
