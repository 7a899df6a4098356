package dev.cloister.attestation.dcap.appraise;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.cel.CelRule;
import dev.cloister.attestation.json.PolicyJson;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@link TdxAppraisalOptions} from a JSON policy file ({@code tdx}, and the TD quote of
 * {@code az-tdx-vtpm}). Keys mirror the options in snake_case, byte values are hex; an unknown or
 * duplicate key is an error naming it, so a typo can never silently drop a rule. Simulation cannot
 * be allowed from a file, and the event log comes with the evidence, not the policy.
 *
 * <pre>{@code
 * {"allow_debug": false, "minimum_qe_svn": 7, "minimum_pce_svn": 11, "qe_vendor_id": "<32 hex>",
 *  "minimum_tee_tcb_svn": "<32 hex>", "mr_seams": ["<96 hex>"], "mr_signer_seam": "<96 hex>",
 *  "td_attributes": "<16 hex>", "xfam": "<16 hex>", "mr_tds": ["<96 hex>"], "mr_config_id": "<96 hex>",
 *  "mr_owner": "<96 hex>", "mr_owner_config": "<96 hex>", "rtmrs": {"0": "<96 hex>"},
 *  "report_data": "<128 hex>", "mr_service_td": "<96 hex>",
 *  "tcb_status": {"SWHardeningNeeded": "contraindicated"}, "minimum_tcb_date": "2024-03-13T00:00:00Z",
 *  "require_collateral": true, "cel": "claims.tcb_status == 'UpToDate'"}
 * }</pre>
 */
public final class TdxPolicyFile {
  /** Every key a TDX policy file may hold. */
  public static final Set<String> KEYS;

  static {
    Set<String> k = new HashSet<>(Set.of("allow_debug", "minimum_qe_svn", "minimum_pce_svn", "qe_vendor_id", "minimum_tee_tcb_svn",
        "mr_seams", "mr_signer_seam", "td_attributes", "xfam", "mr_tds", "mr_config_id", "mr_owner", "mr_owner_config", "rtmrs",
        "report_data", "cel", "mr_service_td"));
    k.addAll(TcbPolicyFields.KEYS);
    KEYS = Set.copyOf(k);
  }

  private TdxPolicyFile() {}

  /** @throws IllegalArgumentException naming the key that is unknown, repeated or wrong */
  public static TdxAppraisalOptions parse(byte[] json) {
    return parse(PolicyJson.read(json));
  }

  /** The options in an already read policy object (see {@link PolicyJson#read}). */
  public static TdxAppraisalOptions parse(JsonNode root) {
    PolicyJson.onlyKnown(root, KEYS);
    TdxAppraisalOptions.Builder b = TdxAppraisalOptions.builder().tcb(TcbPolicyFields.read(root));
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String k = e.getKey();
      JsonNode v = e.getValue();
      switch (k) {
        case "allow_debug" -> b.allowDebug(PolicyJson.bool(k, v));
        case "minimum_qe_svn" -> b.minimumQeSvn(PolicyJson.u16(k, v));
        case "minimum_pce_svn" -> b.minimumPceSvn(PolicyJson.u16(k, v));
        case "qe_vendor_id" -> b.qeVendorId(PolicyJson.hex(k, v));
        case "minimum_tee_tcb_svn" -> b.minimumTeeTcbSvn(PolicyJson.hex(k, v));
        case "mr_seams" -> PolicyJson.array(k, v).forEach(m -> b.addMrSeam(PolicyJson.hex(k, m)));
        case "mr_signer_seam" -> b.mrSignerSeam(PolicyJson.hex(k, v));
        case "td_attributes" -> b.tdAttributes(PolicyJson.hex(k, v));
        case "xfam" -> b.xfam(PolicyJson.hex(k, v));
        case "mr_tds" -> PolicyJson.array(k, v).forEach(m -> b.addMrTd(PolicyJson.hex(k, m)));
        case "mr_config_id" -> b.mrConfigId(PolicyJson.hex(k, v));
        case "mr_owner" -> b.mrOwner(PolicyJson.hex(k, v));
        case "mr_owner_config" -> b.mrOwnerConfig(PolicyJson.hex(k, v));
        case "rtmrs" -> PolicyJson.indexed(k, v, 3).forEach(b::rtmr);
        case "report_data" -> b.reportData(PolicyJson.hex(k, v));
        case "mr_service_td" -> b.mrServiceTd(PolicyJson.hex(k, v));
        case "cel" -> b.cel(CelRule.compile(PolicyJson.text(k, v)));
        default -> {
          // the TCB keys, read above
        }
      }
    }
    return b.build();
  }
}
