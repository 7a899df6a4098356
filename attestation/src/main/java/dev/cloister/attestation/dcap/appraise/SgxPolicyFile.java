package dev.cloister.attestation.dcap.appraise;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.cel.CelRule;
import dev.cloister.attestation.json.PolicyJson;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@link SgxAppraisalOptions} from a JSON policy file. Keys mirror the options in snake_case,
 * byte values are hex; an unknown or duplicate key is an error naming it. Simulation cannot be
 * allowed from a file.
 *
 * <pre>{@code
 * {"allow_debug": false, "require_mode64bit": true, "minimum_qe_svn": 8, "minimum_pce_svn": 13,
 *  "qe_vendor_id": "<32 hex>", "mr_enclaves": ["<64 hex>"], "mr_signers": ["<64 hex>"], "isv_prod_id": 0,
 *  "minimum_isv_svn": 0, "report_data": "<128 hex>", "config_id": "<128 hex>", "isv_ext_prod_id": "<32 hex>",
 *  "isv_family_id": "<32 hex>", "tcb_status": {"ConfigurationAndSWHardeningNeeded": "warning"},
 *  "minimum_tcb_date": "2024-03-13T00:00:00Z", "require_collateral": true, "cel": "claims.tcb_status == 'UpToDate'"}
 * }</pre>
 */
public final class SgxPolicyFile {
  /** Every key an SGX policy file may hold. */
  public static final Set<String> KEYS;

  static {
    Set<String> k = new HashSet<>(Set.of("allow_debug", "require_mode64bit", "minimum_qe_svn", "minimum_pce_svn", "qe_vendor_id",
        "mr_enclaves", "mr_signers", "isv_prod_id", "minimum_isv_svn", "report_data", "cel", "config_id", "isv_ext_prod_id", "isv_family_id"));
    k.addAll(TcbPolicyFields.KEYS);
    KEYS = Set.copyOf(k);
  }

  private SgxPolicyFile() {}

  /** @throws IllegalArgumentException naming the key that is unknown, repeated or wrong */
  public static SgxAppraisalOptions parse(byte[] json) {
    return parse(PolicyJson.read(json));
  }

  /** The options in an already read policy object (see {@link PolicyJson#read}). */
  public static SgxAppraisalOptions parse(JsonNode root) {
    PolicyJson.onlyKnown(root, KEYS);
    SgxAppraisalOptions.Builder b = SgxAppraisalOptions.builder().tcb(TcbPolicyFields.read(root));
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String k = e.getKey();
      JsonNode v = e.getValue();
      switch (k) {
        case "allow_debug" -> b.allowDebug(PolicyJson.bool(k, v));
        case "require_mode64bit" -> b.requireMode64Bit(PolicyJson.bool(k, v));
        case "minimum_qe_svn" -> b.minimumQeSvn(PolicyJson.u16(k, v));
        case "minimum_pce_svn" -> b.minimumPceSvn(PolicyJson.u16(k, v));
        case "qe_vendor_id" -> b.qeVendorId(PolicyJson.hex(k, v));
        case "mr_enclaves" -> PolicyJson.array(k, v).forEach(m -> b.addMrEnclave(PolicyJson.hex(k, m)));
        case "mr_signers" -> PolicyJson.array(k, v).forEach(m -> b.addMrSigner(PolicyJson.hex(k, m)));
        case "isv_prod_id" -> b.isvProdId(PolicyJson.u16(k, v));
        case "minimum_isv_svn" -> b.minimumIsvSvn(PolicyJson.u16(k, v));
        case "report_data" -> b.reportData(PolicyJson.hex(k, v));
        case "config_id" -> b.configId(PolicyJson.hex(k, v));
        case "isv_ext_prod_id" -> b.isvExtProdId(PolicyJson.hex(k, v));
        case "isv_family_id" -> b.isvFamilyId(PolicyJson.hex(k, v));
        case "cel" -> b.cel(CelRule.compile(PolicyJson.text(k, v)));
        default -> {
          // the TCB keys, read above
        }
      }
    }
    return b.build();
  }
}
