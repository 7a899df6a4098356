package dev.cloister.attestation.snp.appraise;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.cel.CelRule;
import dev.cloister.attestation.json.PolicyJson;
import dev.cloister.attestation.snp.abi.GuestPolicy;
import dev.cloister.attestation.snp.abi.PlatformInfo;
import dev.cloister.attestation.snp.abi.TcbVersion;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads {@link SnpAppraisalOptions} from a JSON policy file. Keys mirror the options in snake_case;
 * byte values are hex; an unknown or duplicate key is an error, so a typo can never silently drop a rule.
 * Simulation cannot be allowed from a file: only the caller's explicit flag does that.
 *
 * <pre>{@code
 * {"measurements": ["<96 hex>"], "host_data": "<64 hex>", "vmpl": 0, "minimum_guest_svn": 1,
 *  "allow_debug": false, "allow_migrate_ma": false, "allow_smt": true, "allow_cxl": false,
 *  "require_policy_bits": ["single_socket"], "minimum_abi": "1.51", "minimum_build": 3,
 *  "minimum_version": "1.49", "minimum_tcb": {"bootloader": 2, "tee": 0, "snp": 5, "microcode": 68},
 *  "minimum_launch_tcb": {...}, "permit_provisional_firmware": true,
 *  "platform_info_forbidden": ["smt_enabled"], "platform_info_required": ["ecc_enabled"],
 *  "require_author_key": false, "require_id_block": false, "trusted_id_key_digests": ["<96 hex>"],
 *  "trusted_author_key_digests": [], "minimum_launch_mit_vector": 0, "minimum_current_mit_vector": 0,
 *  "report_data": "...", "image_id": "...", "family_id": "...", "report_id": "...",
 *  "report_id_ma": "...", "chip_id": "...", "cel": "claims.guest_svn >= 1"}
 * }</pre>
 */
public final class SnpPolicyFile {
  private static final Map<String, Integer> POLICY_BITS = Map.of(
      "single_socket", GuestPolicy.SINGLE_SOCKET, "mem_aes_256_xts", GuestPolicy.MEM_AES_256_XTS,
      "rapl_dis", GuestPolicy.RAPL_DIS, "ciphertext_hiding", GuestPolicy.CIPHERTEXT_HIDING,
      "page_swap_disable", GuestPolicy.PAGE_SWAP_DISABLE);
  private static final Map<String, Integer> PLATFORM_BITS = Map.of(
      "smt_enabled", PlatformInfo.SMT_EN, "tsme_enabled", PlatformInfo.TSME_EN, "ecc_enabled", PlatformInfo.ECC_EN,
      "rapl_disabled", PlatformInfo.RAPL_DIS, "ciphertext_hiding_enabled", PlatformInfo.CIPHERTEXT_HIDING_EN,
      "alias_check_complete", PlatformInfo.ALIAS_CHECK_COMPLETE, "tio_enabled", PlatformInfo.TIO_EN);

  private SnpPolicyFile() {}

  /** @throws IllegalArgumentException naming the key that is unknown or wrong */
  public static SnpAppraisalOptions parse(byte[] json) {
    JsonNode root = PolicyJson.read(json);
    SnpAppraisalOptions.Builder b = SnpAppraisalOptions.builder();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String k = e.getKey();
      JsonNode v = e.getValue();
      switch (k) {
        case "measurements" -> array(k, v).forEach(m -> b.addMeasurement(hex(k, m)));
        case "report_data" -> b.reportData(hex(k, v));
        case "host_data" -> b.hostData(hex(k, v));
        case "image_id" -> b.imageId(hex(k, v));
        case "family_id" -> b.familyId(hex(k, v));
        case "report_id" -> b.reportId(hex(k, v));
        case "report_id_ma" -> b.reportIdMa(hex(k, v));
        case "chip_id" -> b.chipId(hex(k, v));
        case "minimum_guest_svn" -> b.minimumGuestSvn(number(k, v));
        case "allow_debug" -> b.allowDebug(bool(k, v));
        case "allow_migrate_ma" -> b.allowMigrateMa(bool(k, v));
        case "allow_smt" -> b.allowSmt(bool(k, v));
        case "allow_cxl" -> b.allowCxl(bool(k, v));
        case "require_policy_bits" -> array(k, v).forEach(n -> b.requirePolicyBit(named(k, n, POLICY_BITS)));
        case "minimum_abi" -> {
          int[] mm = majorMinor(k, v);
          b.minimumAbi(mm[0], mm[1]);
        }
        case "minimum_build" -> b.minimumBuild((int) number(k, v));
        case "minimum_version" -> {
          int[] mm = majorMinor(k, v);
          b.minimumVersion(mm[0] << 8 | mm[1]);
        }
        case "minimum_tcb" -> b.minimumTcb(tcb(k, v));
        case "minimum_launch_tcb" -> b.minimumLaunchTcb(tcb(k, v));
        case "permit_provisional_firmware" -> b.permitProvisionalFirmware(bool(k, v));
        case "platform_info_forbidden" -> b.platformInfoForbidden(bits(k, v));
        case "platform_info_required" -> b.platformInfoRequired(bits(k, v));
        case "require_author_key" -> b.requireAuthorKey(bool(k, v));
        case "require_id_block" -> b.requireIdBlock(bool(k, v));
        case "trusted_id_key_digests" -> array(k, v).forEach(d -> b.addTrustedIdKeyDigest(hex(k, d)));
        case "trusted_author_key_digests" -> array(k, v).forEach(d -> b.addTrustedAuthorKeyDigest(hex(k, d)));
        case "vmpl" -> b.vmpl((int) number(k, v));
        case "minimum_launch_mit_vector" -> b.minimumLaunchMitVector(number(k, v));
        case "minimum_current_mit_vector" -> b.minimumCurrentMitVector(number(k, v));
        case "cel" -> b.cel(CelRule.compile(text(k, v)));
        default -> throw new IllegalArgumentException("unknown key '" + k + "'");
      }
    }
    return b.build();
  }

  private static Iterable<JsonNode> array(String k, JsonNode v) {
    if (!v.isArray()) {
      throw new IllegalArgumentException(k + ": must be an array");
    }
    return v;
  }

  private static Octets hex(String k, JsonNode v) {
    try {
      return Octets.fromHex(text(k, v));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(k + ": " + e.getMessage());
    }
  }

  private static String text(String k, JsonNode v) {
    if (!v.isTextual()) {
      throw new IllegalArgumentException(k + ": must be a string");
    }
    return v.asText();
  }

  private static boolean bool(String k, JsonNode v) {
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(k + ": must be true or false");
    }
    return v.asBoolean();
  }

  private static long number(String k, JsonNode v) {
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
      throw new IllegalArgumentException(k + ": must be a non-negative integer");
    }
    return v.asLong();
  }

  private static int named(String k, JsonNode v, Map<String, Integer> names) {
    Integer bit = names.get(text(k, v));
    if (bit == null) {
      throw new IllegalArgumentException(k + ": unknown name '" + v.asText() + "' (known: " + names.keySet() + ")");
    }
    return bit;
  }

  private static long bits(String k, JsonNode v) {
    long out = 0;
    for (JsonNode n : array(k, v)) {
      out |= 1L << named(k, n, PLATFORM_BITS);
    }
    return out;
  }

  private static int[] majorMinor(String k, JsonNode v) {
    String s = text(k, v);
    String[] parts = s.split("\\.");
    try {
      if (parts.length == 2) {
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new IllegalArgumentException(k + ": must be \"MAJOR.MINOR\"");
  }

  private static TcbVersion.Parts tcb(String k, JsonNode v) {
    if (!v.isObject()) {
      throw new IllegalArgumentException(k + ": must be an object {\"bootloader\", \"tee\", \"snp\", \"microcode\"[, \"fmc\"]}");
    }
    int[] vals = new int[5];
    String[] names = {"fmc", "bootloader", "tee", "snp", "microcode"};
    for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!java.util.List.of(names).contains(f)) {
        throw new IllegalArgumentException(k + ": unknown key '" + f + "'");
      }
    }
    for (int i = 0; i < names.length; i++) {
      JsonNode n = v.get(names[i]);
      long x = n == null ? 0 : number(k + "." + names[i], n);
      if (x > 255) {
        throw new IllegalArgumentException(k + "." + names[i] + ": must be 0..255");
      }
      vals[i] = (int) x;
    }
    return new TcbVersion.Parts(vals[0], vals[1], vals[2], vals[3], vals[4]);
  }
}
