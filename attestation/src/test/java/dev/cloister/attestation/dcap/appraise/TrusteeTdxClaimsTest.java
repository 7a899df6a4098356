package dev.cloister.attestation.dcap.appraise;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.testing.Vectors;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Our TD claims for Trustee's tdx_quote_4.dat against the claims Trustee's own parser asserts for
 * it (confidential-containers/trustee deps/verifier/src/tdx/claims.rs, test data
 * parse_tdx_claims_expected.json; testdata/vectors INDEX.md §2): two independent readings of the
 * same bytes must agree field by field.
 */
class TrusteeTdxClaimsTest {
  @Test
  void bodyFieldsAgreeWithTrustee() throws Exception {
    JsonNode expected = new ObjectMapper().readTree(Vectors.read("trustee/deps/verifier/test_data/parse_tdx_claims_expected.json"));
    JsonNode body = expected.get("quote").get("body");
    Map<String, Object> c = DcapAppraiser.tdxClaims(DcapQuote.parse(Vectors.read("trustee/deps/verifier/test_data/tdx_quote_4.dat")),
        PlatformKind.HARDWARE, Optional.empty());
    Map<String, String> ours = Map.ofEntries(Map.entry("mr_config_id", "mr_config_id"), Map.entry("mr_owner", "mr_owner"),
        Map.entry("mr_owner_config", "mr_owner_config"), Map.entry("mr_seam", "mr_seam"), Map.entry("mr_td", "mr_td"),
        Map.entry("mrsigner_seam", "mr_signer_seam"), Map.entry("report_data", "report_data"), Map.entry("rtmr_0", "rtmr0"),
        Map.entry("rtmr_1", "rtmr1"), Map.entry("rtmr_2", "rtmr2"), Map.entry("rtmr_3", "rtmr3"), Map.entry("seam_attributes", "seam_attributes"),
        Map.entry("tcb_svn", "tee_tcb_svn"), Map.entry("xfam", "xfam"));
    ours.forEach((theirs, mine) -> assertThat(c.get(mine)).as(mine).isEqualTo(body.get(theirs).asText()));
    assertThat(c.get("qe_vendor_id")).isEqualTo(expected.get("quote").get("header").get("vendor_id").asText());
    assertThat(c.get("quote_version")).isEqualTo(4);
    // Trustee decodes td_attributes 0100001000000000 as debug and SEPT_VE_DISABLE.
    assertThat(c.get("td_attributes").toString()).contains("debug=true").contains("sept_ve_disable=true");
  }
}
