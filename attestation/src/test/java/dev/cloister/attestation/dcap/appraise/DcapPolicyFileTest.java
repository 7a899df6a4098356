package dev.cloister.attestation.dcap.appraise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.dcap.tcb.TcbStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The TDX and SGX policy files: every key read into its option, unknown, repeated and malformed
 * keys refused by name, and stricter files refusing dcap-qvl@9bffe30's samples that the defaults
 * (or a laxer file) accept, with their real collateral at the times tests/verify_quote.rs pins.
 */
class DcapPolicyFileTest {
  static String h(int b, int n) {
    return String.format("%02x", b).repeat(n);
  }

  static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void tdxFileReadsEveryKey() {
    TdxAppraisalOptions o = TdxPolicyFile.parse(json("""
        {"allow_debug": true, "minimum_qe_svn": 7, "minimum_pce_svn": 11, "qe_vendor_id": "%s",
         "minimum_tee_tcb_svn": "%s", "mr_seams": ["%s", "%s"], "mr_signer_seam": "%s", "td_attributes": "%s",
         "xfam": "%s", "mr_tds": ["%s"], "mr_config_id": "%s", "mr_owner": "%s", "mr_owner_config": "%s",
         "rtmrs": {"0": "%s", "3": "%s"}, "report_data": "%s", "mr_service_td": "%s",
         "tcb_status": {"SWHardeningNeeded": "contraindicated", "OutOfDate": "warning"},
         "minimum_tcb_date": "2024-03-14T00:00:00Z", "require_collateral": false, "cel": "claims.tcb_status == 'UpToDate'"}
        """.formatted(h(1, 16), h(2, 16), h(3, 48), h(4, 48), h(5, 48), h(6, 8), h(7, 8), h(8, 48), h(9, 48), h(10, 48), h(11, 48),
        h(12, 48), h(13, 48), h(14, 64), h(15, 48))));
    assertThat(o.allowDebug()).isTrue();
    assertThat(o.allowSimulated()).isFalse();
    assertThat(o.minimumQeSvn).contains(7);
    assertThat(o.minimumPceSvn).contains(11);
    assertThat(o.qeVendorId).contains(Octets.fromHex(h(1, 16)));
    assertThat(o.minimumTeeTcbSvn).contains(Octets.fromHex(h(2, 16)));
    assertThat(o.mrSeams).containsExactly(Octets.fromHex(h(3, 48)), Octets.fromHex(h(4, 48)));
    assertThat(o.mrSignerSeam).contains(Octets.fromHex(h(5, 48)));
    assertThat(o.tdAttributes).contains(Octets.fromHex(h(6, 8)));
    assertThat(o.xfam).contains(Octets.fromHex(h(7, 8)));
    assertThat(o.mrTds).containsExactly(Octets.fromHex(h(8, 48)));
    assertThat(o.mrConfigId).contains(Octets.fromHex(h(9, 48)));
    assertThat(o.mrOwner).contains(Octets.fromHex(h(10, 48)));
    assertThat(o.mrOwnerConfig).contains(Octets.fromHex(h(11, 48)));
    assertThat(o.rtmrs).isEqualTo(Map.of(0, Octets.fromHex(h(12, 48)), 3, Octets.fromHex(h(13, 48))));
    assertThat(o.reportData).contains(Octets.fromHex(h(14, 64)));
    assertThat(o.mrServiceTd).contains(Octets.fromHex(h(15, 48)));
    assertThat(o.eventLog()).isEmpty();
    TcbPolicy t = o.tcb();
    assertThat(t.tier(TcbStatus.SW_HARDENING_NEEDED)).isEqualTo(TrustTier.CONTRAINDICATED);
    assertThat(t.tier(TcbStatus.OUT_OF_DATE)).isEqualTo(TrustTier.WARNING);
    assertThat(t.tier(TcbStatus.UP_TO_DATE)).isEqualTo(TrustTier.AFFIRMING); // not named: the default
    assertThat(t.tier(TcbStatus.CONFIGURATION_NEEDED)).isEqualTo(TrustTier.WARNING);
    assertThat(t.minimumTcbDate()).contains(Instant.parse("2024-03-14T00:00:00Z"));
    assertThat(t.requireCollateral()).isFalse();
    assertThat(o.cel).isPresent();
  }

  @Test
  void sgxFileReadsEveryKey() {
    SgxAppraisalOptions o = SgxPolicyFile.parse(json("""
        {"allow_debug": true, "require_mode64bit": true, "minimum_qe_svn": 8, "minimum_pce_svn": 13, "qe_vendor_id": "%s",
         "mr_enclaves": ["%s"], "mr_signers": ["%s", "%s"], "isv_prod_id": 3, "minimum_isv_svn": 2, "report_data": "%s",
         "config_id": "%s", "isv_ext_prod_id": "%s", "isv_family_id": "%s",
         "tcb_status": {"ConfigurationAndSWHardeningNeeded": "warning"}, "minimum_tcb_date": "2023-02-15T00:00:00Z",
         "cel": "claims.isv_prod_id == 0"}
        """.formatted(h(1, 16), h(2, 32), h(3, 32), h(4, 32), h(5, 64), h(6, 64), h(7, 16), h(8, 16))));
    assertThat(o.allowDebug()).isTrue();
    assertThat(o.allowSimulated()).isFalse();
    assertThat(o.requireMode64Bit).isTrue();
    assertThat(o.minimumQeSvn).contains(8);
    assertThat(o.minimumPceSvn).contains(13);
    assertThat(o.qeVendorId).contains(Octets.fromHex(h(1, 16)));
    assertThat(o.mrEnclaves).containsExactly(Octets.fromHex(h(2, 32)));
    assertThat(o.mrSigners).containsExactly(Octets.fromHex(h(3, 32)), Octets.fromHex(h(4, 32)));
    assertThat(o.isvProdId).contains(3);
    assertThat(o.minimumIsvSvn).contains(2);
    assertThat(o.reportData).contains(Octets.fromHex(h(5, 64)));
    assertThat(o.configId).contains(Octets.fromHex(h(6, 64)));
    assertThat(o.isvExtProdId).contains(Octets.fromHex(h(7, 16)));
    assertThat(o.isvFamilyId).contains(Octets.fromHex(h(8, 16)));
    assertThat(o.tcb().tier(TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED)).isEqualTo(TrustTier.WARNING);
    assertThat(o.tcb().minimumTcbDate()).contains(Instant.parse("2023-02-15T00:00:00Z"));
    assertThat(o.tcb().requireCollateral()).isTrue(); // not named: the default
    assertThat(o.cel).isPresent();
  }

  @Test
  void wrongKeysAreRefusedByName() {
    assertThatThrownBy(() -> TdxPolicyFile.parse(json("{\"mr_td\": []}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown key 'mr_td'");
    assertThatThrownBy(() -> SgxPolicyFile.parse(json("{\"allow_simulated\": true}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown key 'allow_simulated'");
    assertThatThrownBy(() -> TdxPolicyFile.parse(json("{\"allow_debug\": false, \"allow_debug\": true}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duplicate key 'allow_debug'");
    assertThatThrownBy(() -> SgxPolicyFile.parse(json("{\"mr_enclaves\": [\"" + h(0, 31) + "\"]}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mr_enclave must be 32 bytes, got 31");
    assertThatThrownBy(() -> TdxPolicyFile.parse(json("{\"rtmrs\": {\"4\": \"" + h(0, 48) + "\"}}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rtmrs: index '4' is not 0..3");
    assertThatThrownBy(() -> TdxPolicyFile.parse(json("{\"tcb_status\": {\"Revoked\": \"warning\"}}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tcb_status.Revoked: a revoked TCB is always contraindicated");
    assertThatThrownBy(() -> TdxPolicyFile.parse(json("{\"tcb_status\": {\"UpToDate\": \"fine\"}}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tcb_status.UpToDate: must be affirming, warning or contraindicated");
    assertThatThrownBy(() -> TdxPolicyFile.parse(json("{\"tcb_status\": {\"UpTodate\": \"warning\"}}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("tcb_status.UpTodate: unknown TCB status (known: UpToDate, ");
    assertThatThrownBy(() -> SgxPolicyFile.parse(json("{\"minimum_tcb_date\": \"2024-03-13\"}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("minimum_tcb_date: must be an RFC 3339 UTC time");
    assertThatThrownBy(() -> SgxPolicyFile.parse(json("{\"isv_prod_id\": 65536}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("isv_prod_id: must be an integer 0..65535");
    assertThatThrownBy(() -> TdxPolicyFile.parse(json("{\"cel\": \"claims.\"}"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cel: ");
    assertThatThrownBy(() -> SgxPolicyFile.parse(json("[]"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a policy file is a JSON object");
  }

  /** dcap-qvl's TDX sample matches the TCB level dated 2024-03-13 (its collateral's UpToDate level). */
  @Test
  void aMinimumTcbDateAfterTheTdxSamplesLevelRefusesIt() throws Exception {
    var v = DcapWithCollateralTest.verify("tdx_quote", 1752919234);
    AttestationResult sameDay = DcapAppraiser.appraise(v.quote(), Optional.of(v.tcb()),
        TdxPolicyFile.parse(json("{\"minimum_tcb_date\": \"2024-03-13T00:00:00Z\"}")));
    assertThat(sameDay.status()).isEqualTo(TrustTier.AFFIRMING);
    AttestationResult later = DcapAppraiser.appraise(v.quote(), Optional.of(v.tcb()),
        TdxPolicyFile.parse(json("{\"minimum_tcb_date\": \"2024-03-14T00:00:00Z\"}")));
    assertThat(later.status()).isEqualTo(TrustTier.CONTRAINDICATED);
    Check failed = later.firstFailure().orElseThrow();
    assertThat(failed.name()).isEqualTo("tcb_date");
    assertThat(failed.detail()).isEqualTo("TCB date 2024-03-13T00:00:00Z vs minimum 2024-03-14T00:00:00Z");
    // The CEL rule sees the claims: dcap-qvl asserts UpToDate for this sample.
    assertThat(DcapAppraiser.appraise(v.quote(), Optional.of(v.tcb()), TdxPolicyFile.parse(json("{\"cel\": \"claims.tcb_status == 'UpToDate'\"}"))).status())
        .isEqualTo(TrustTier.AFFIRMING);
    AttestationResult cel = DcapAppraiser.appraise(v.quote(), Optional.of(v.tcb()), TdxPolicyFile.parse(json("{\"cel\": \"claims.tcb_status == 'OutOfDate'\"}")));
    assertThat(cel.firstFailure().orElseThrow()).isEqualTo(Check.fail("cel", "policy returned false"));
  }

  /**
   * dcap-qvl's SGX sample (MRENCLAVE 33d8736d…, ConfigurationAndSWHardeningNeeded): a file accepting
   * that status affirms it; the same file with an MRENCLAVE other than the sample's refuses it.
   */
  @Test
  void anMrEnclaveOtherThanTheSgxSamplesRefusesIt() throws Exception {
    var v = DcapWithCollateralTest.verify("sgx_quote", 1752919277);
    String accept = "\"tcb_status\": {\"ConfigurationAndSWHardeningNeeded\": \"affirming\"}";
    AttestationResult lax = DcapAppraiser.appraise(v.quote(), Optional.of(v.tcb()), SgxPolicyFile.parse(json("{" + accept + "}")));
    assertThat(lax.status()).as(lax.checks().toString()).isEqualTo(TrustTier.AFFIRMING);
    assertThat((String) lax.claims().get("mr_enclave")).startsWith("33d8736d");
    String other = "00" + ((String) lax.claims().get("mr_enclave")).substring(2);
    AttestationResult strict = DcapAppraiser.appraise(v.quote(), Optional.of(v.tcb()),
        SgxPolicyFile.parse(json("{" + accept + ", \"mr_enclaves\": [\"" + other + "\"]}")));
    assertThat(strict.status()).isEqualTo(TrustTier.CONTRAINDICATED);
    assertThat(strict.checks()).filteredOn(Check::failed).extracting(Check::name).isEqualTo(List.of("mr_enclave"));
  }
}
