package dev.cloister.attestation.dcap.appraise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.DcapVerifier;
import dev.cloister.attestation.dcap.VerifiedDcapQuote;
import dev.cloister.attestation.dcap.issue.DcapIssuer;
import dev.cloister.attestation.testing.FakeDcapPlatform;
import dev.cloister.attestation.dcap.ccel.CcelEventLog;
import dev.cloister.attestation.dcap.tcb.TcbStatus;
import dev.cloister.attestation.dcap.tcb.TcbVerdict;
import dev.cloister.attestation.testing.Vectors;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Appraisal of real, verified quotes (testdata/vectors INDEX.md §2, §3). TDX: the SPR E4 quote that
 * go-tdx-guest@91f9a52 tools/check/check_test.go is run against; each of its "good" values passes
 * and each "bad" value fails exactly the matching check. SGX: dcap-qvl@9bffe30 sample/sgx_quote.
 *
 * <p>The TCB verdicts here are built by hand, because the collateral verifier is separate: for SPR
 * E4 Intel's collateral yields no matching TCB level (the verifier rejects it, so it never reaches
 * an appraisal), so the body checks are appraised with a synthetic UpToDate verdict; for sgx_quote
 * the verdict has the status and advisories dcap-qvl's could_parse_sgx_quote asserts.
 */
class DcapAppraiserTest {
  static final String SPR_E4 = "go-tdx-guest/testing/testdata/tdx_prod_quote_SPR_E4.dat";
  static final String INTEL_QE_VENDOR = "939a7233f79c4ca9940a0db3957f0607";
  static final String SPR_MRTD = "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb";
  static final String SPR_MRSEAM = "2fd279c16164a93dd5bf373d834328d46008c2b693af9ebb865b08b2ced320c9a89b4869a9fab60fbe9d0c5a5363c656";
  static final String SPR_REPORT_DATA = "6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed313b987a467dacead6f0c87a6d766c66f6f29f8acb281f1113";
  static final String ZERO48 = "00".repeat(48);
  static final String[] SPR_RTMRS = {
      "2927da70461cd63266f43230cc1849c03ef25ebe490062a801d8fcc80af42976823adf08f833c1e50b51779c6593f32a",
      "2c700b8ba9b85783f8be9fb9443647bdc0bb3c50747f06297cc6538c25a5f589c4b56d035c59107c6bc5800db2cacb61",
      "8652f0caaba7e215ea442dc36a4499d8fec3362f3a0b2ca151cbe4b3e6466fe59c7368b3c2287fc7c3bf5c924eb4424e",
      ZERO48};
  static final String SGX_MRENCLAVE = "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb";
  static final String SGX_MRSIGNER = "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6";
  static final Instant TCB_DATE = Instant.parse("2023-02-15T00:00:00Z");

  static Clock at(String t) {
    return Clock.fixed(Instant.parse(t), ZoneOffset.UTC);
  }

  static VerifiedDcapQuote verified(String file, String time) throws Exception {
    return DcapVerifier.verify(Vectors.read(file), at(time));
  }

  static VerifiedDcapQuote sprE4() throws Exception {
    return verified(SPR_E4, "2023-07-01T01:00:00Z");
  }

  static VerifiedDcapQuote sgxQuote() throws Exception {
    return verified("dcap-qvl/sample/sgx_quote", "2025-07-19T10:01:17Z");
  }

  /** A synthetic verdict for SPR E4 (FMSPC 50806f000000). */
  static Optional<TcbVerdict> verdict(TcbStatus status, String... advisories) {
    return verdict("50806f000000", status, advisories);
  }

  static Optional<TcbVerdict> verdict(String fmspc, TcbStatus status, String... advisories) {
    return Optional.of(new TcbVerdict(status, TCB_DATE, List.of(advisories), status, TcbStatus.UP_TO_DATE, Optional.empty(),
        fmspc, Instant.parse("2023-07-18T00:00:00Z"), true));
  }

  static Octets hex(String s) {
    return Octets.fromHex(s);
  }

  static List<String> failed(AttestationResult r) {
    return r.checks().stream().filter(Check::failed).map(Check::name).toList();
  }

  static AttestationResult tdx(VerifiedDcapQuote q, UnaryOperator<TdxAppraisalOptions.Builder> o) {
    return DcapAppraiser.appraise(q, verdict(TcbStatus.UP_TO_DATE), o.apply(TdxAppraisalOptions.builder()).build());
  }

  // check_test.go testCases(): the good value of each flag.
  static Stream<Arguments> goodTdx() {
    return Stream.of(
        Arguments.of("minimum_qe_svn", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.minimumQeSvn(0)),
        Arguments.of("minimum_pce_svn", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.minimumPceSvn(0)),
        Arguments.of("qe_vendor_id", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.qeVendorId(hex(INTEL_QE_VENDOR))),
        Arguments.of("minimum_tee_tcb_svn", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.minimumTeeTcbSvn(hex("03000400000000000000000000000000"))),
        Arguments.of("mr_seam", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.addMrSeam(hex(SPR_MRSEAM))),
        Arguments.of("td_attributes", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.tdAttributes(hex("0000004000000000"))),
        Arguments.of("xfam", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.xfam(hex("e71a060000000000"))),
        Arguments.of("mr_td", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.addMrTd(hex(SPR_MRTD))),
        Arguments.of("mr_config_id", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.mrConfigId(hex(ZERO48))),
        Arguments.of("mr_owner", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.mrOwner(hex(ZERO48))),
        Arguments.of("mr_owner_config", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.mrOwnerConfig(hex(ZERO48))),
        Arguments.of("report_data", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.reportData(hex(SPR_REPORT_DATA))),
        // TestRtmrs validRtmrs: all four, the first two, only the last.
        Arguments.of("rtmrs", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.rtmr(0, hex(SPR_RTMRS[0])).rtmr(1, hex(SPR_RTMRS[1]))
            .rtmr(2, hex(SPR_RTMRS[2])).rtmr(3, hex(SPR_RTMRS[3]))),
        Arguments.of("rtmrs_first_two", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.rtmr(0, hex(SPR_RTMRS[0])).rtmr(1, hex(SPR_RTMRS[1]))),
        Arguments.of("rtmrs_last", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.rtmr(3, hex(ZERO48))),
        Arguments.of("mr_signer_seam", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.mrSignerSeam(hex(ZERO48))),
        // A second allowed MRTD does not hurt (go-tdx-guest's AnyMrTd).
        Arguments.of("any_mr_td", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.addMrTd(hex("11".repeat(48))).addMrTd(hex(SPR_MRTD))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goodTdx")
  void checkTestGoodValuesAffirm(String name, UnaryOperator<TdxAppraisalOptions.Builder> option) throws Exception {
    AttestationResult r = tdx(sprE4(), option);
    assertThat(failed(r)).isEmpty();
    assertThat(r.status()).isEqualTo(TrustTier.AFFIRMING);
  }

  // check_test.go testCases(): each bad value (that is a well-formed option) and the one check it must fail.
  static Stream<Arguments> badTdx() {
    return Stream.of(
        // go-tdx-guest compares the reserved (zero) header field, so its bad value 1 fails there; the
        // QE report of this quote has ISVSVN 4, so here 1 passes and 21 fails.
        Arguments.of("qe_svn", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.minimumQeSvn(21)),
        Arguments.of("qe_svn", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.minimumQeSvn(5)),
        Arguments.of("pce_svn", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.minimumPceSvn(121)),
        Arguments.of("qe_vendor_id", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.qeVendorId(hex("00000000000000000000000000000001"))),
        Arguments.of("tee_tcb_svn", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.minimumTeeTcbSvn(hex("03000400000000000000000000000011"))),
        Arguments.of("mr_seam", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.addMrSeam(hex(
            "2fd279c16164a93dd5bf373d834328d46008c2b693af9ebb865b08b2ced320c9a89b4869a9fab60fbe9d0c5a5363c326"))),
        Arguments.of("td_attributes", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.tdAttributes(hex("0000004000000011"))),
        Arguments.of("mr_td", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.addMrTd(hex(
            "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d1115cbb"))),
        Arguments.of("mr_td", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.addMrTd(hex(
            "6363b8000000a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb"))),
        Arguments.of("mr_config_id", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.mrConfigId(hex("00".repeat(47) + "11"))),
        Arguments.of("mr_owner", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.mrOwner(hex("00".repeat(47) + "22"))),
        Arguments.of("report_data", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.reportData(hex(
            "6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed313b987a467dacead6f0c87a6d766c66f6f29f8acb281f2213"))),
        Arguments.of("rtmr0", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.rtmr(0, hex(SPR_RTMRS[1]))),
        Arguments.of("rtmr3", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.rtmr(0, hex(SPR_RTMRS[0])).rtmr(3, hex(SPR_RTMRS[2]))),
        Arguments.of("mr_signer_seam", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.mrSignerSeam(hex(SPR_MRSEAM))),
        Arguments.of("mr_service_td", (UnaryOperator<TdxAppraisalOptions.Builder>) b -> b.mrServiceTd(hex(ZERO48))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badTdx")
  void checkTestBadValuesFailExactlyTheirCheck(String check, UnaryOperator<TdxAppraisalOptions.Builder> option) throws Exception {
    AttestationResult r = tdx(sprE4(), option);
    assertThat(failed(r)).containsExactly(check);
    assertThat(r.status()).isEqualTo(TrustTier.CONTRAINDICATED);
  }

  @Test
  void qeSvnUpToTheQeReportsIsvSvnPasses() throws Exception {
    for (int min : new int[] {1, 4}) {
      assertThat(failed(tdx(sprE4(), b -> b.minimumQeSvn(min)))).isEmpty();
    }
  }

  /** check_test.go's malformed values (666666, "0", "not a hex", wrong RTMR count) never build. */
  @Test
  void malformedOptionsDoNotBuild() {
    assertThatThrownBy(() -> TdxAppraisalOptions.builder().minimumQeSvn(666666).build()).hasMessageStartingWith("minimum_qe_svn");
    assertThatThrownBy(() -> TdxAppraisalOptions.builder().minimumPceSvn(666666).build()).hasMessageStartingWith("minimum_pce_svn");
    assertThatThrownBy(() -> Octets.fromHex("0")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Octets.fromHex("not a hex")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TdxAppraisalOptions.builder().mrOwnerConfig(hex("00")).build()).hasMessage("mr_owner_config must be 48 bytes, got 1");
    assertThatThrownBy(() -> TdxAppraisalOptions.builder().rtmr(4, hex(ZERO48)).build()).hasMessageStartingWith("rtmr index");
    assertThatThrownBy(() -> TdxAppraisalOptions.builder().rtmr(1, hex("00")).build()).hasMessageStartingWith("rtmr1 must be 48 bytes");
    assertThatThrownBy(() -> TdxAppraisalOptions.builder().addMrTd(hex("00")).build()).hasMessageStartingWith("mr_td");
    assertThatThrownBy(() -> TdxAppraisalOptions.builder().qeVendorId(hex("00")).build()).hasMessageStartingWith("qe_vendor_id");
    assertThatThrownBy(() -> TdxAppraisalOptions.builder().minimumTeeTcbSvn(hex("00")).build()).hasMessageStartingWith("minimum_tee_tcb_svn");
    assertThatThrownBy(() -> SgxAppraisalOptions.builder().addMrEnclave(hex(ZERO48)).build()).hasMessage("mr_enclave must be 32 bytes, got 48");
    assertThatThrownBy(() -> SgxAppraisalOptions.builder().isvProdId(70000).build()).hasMessageStartingWith("isv_prod_id");
  }

  @Test
  void claimsNameEveryField() throws Exception {
    AttestationResult r = tdx(sprE4(), b -> b);
    Map<String, Object> c = r.claims();
    assertThat(r.format()).isEqualTo("tdx");
    assertThat(c).containsEntry("platform", "hardware").containsEntry("mr_td", SPR_MRTD).containsEntry("mr_seam", SPR_MRSEAM)
        .containsEntry("tee_tcb_svn", "03000400000000000000000000000000").containsEntry("xfam", "e71a060000000000")
        .containsEntry("rtmr0", SPR_RTMRS[0]).containsEntry("report_data", SPR_REPORT_DATA).containsEntry("qe_vendor_id", INTEL_QE_VENDOR)
        .containsEntry("qe_svn", 4).containsEntry("fmspc", "50806f000000").containsEntry("tcb_status", "UpToDate")
        .containsEntry("tcb_date", "2023-02-15T00:00:00Z").containsEntry("advisory_ids", List.of()).containsEntry("td_report_version", "1.0")
        .containsKeys("mr_signer_seam", "seam_attributes", "mr_config_id", "mr_owner", "mr_owner_config", "rtmr3", "pce_svn");
    @SuppressWarnings("unchecked")
    Map<String, Object> attrs = (Map<String, Object>) c.get("td_attributes");
    assertThat(attrs).containsEntry("debug", false).containsEntry("pks", true).containsEntry("sept_ve_disable", false)
        .containsEntry("hex", "0000004000000000");
  }

  /** Without a verdict the FMSPC and PCE SVN come from the PCK certificate. */
  @Test
  void pckFactsWithoutCollateral() throws Exception {
    VerifiedDcapQuote q = verified("trustee/deps/verifier/test_data/tdx_quote_6.dat", "2025-11-01T00:00:00Z");
    Map<String, Object> c = DcapAppraiser.tdxClaims(q.quote(), PlatformKind.HARDWARE, Optional.empty());
    // INDEX.md §2: FMSPC 00a06d080000, PCK pcesvn 11, QE isvsvn 7.
    assertThat(c).containsEntry("fmspc", "00a06d080000").containsEntry("pce_svn", 11).containsEntry("qe_svn", 7).doesNotContainKey("tcb_status");
    AttestationResult r = DcapAppraiser.appraise(q, verdict(TcbStatus.UP_TO_DATE),
        TdxAppraisalOptions.builder().minimumPceSvn(13).build());
    assertThat(failed(r)).containsExactly("pce_svn");
  }

  /** Every real TDX quote passes go-tdx-guest's fixed TD_ATTRIBUTES and XFAM bits; the debug TD only if debug is allowed. */
  static Stream<Arguments> realTdxQuotes() {
    return Stream.of(
        Arguments.of(SPR_E4, "2023-07-01T01:00:00Z", false),
        Arguments.of("go-tdx-guest/testing/testdata/quote_v5_sample.dat", "2026-02-03T01:00:00Z", false),
        Arguments.of("go-tdx-guest/testing/testdata/ccel/cos-113-tdx-quote.dat", "2024-08-01T00:00:00Z", false),
        Arguments.of("dcap-qvl/sample/tdx_quote", "2025-07-19T10:00:34Z", false),
        Arguments.of("dcap-qvl/sample/tdx_quote_outdated", "2026-03-20T10:41:14Z", false),
        Arguments.of("dcap-rs/data/quote_tdx_00806f050000.dat", "2025-02-13T04:00:32Z", false),
        Arguments.of("trustee/deps/verifier/test_data/tdx_quote_6.dat", "2025-11-01T00:00:00Z", false),
        Arguments.of("trustee/deps/verifier/test_data/tdx_quote_4.dat", "2024-01-01T00:00:00Z", true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("realTdxQuotes")
  void realQuotesAndDebug(String file, String time, boolean debugTd) throws Exception {
    VerifiedDcapQuote q = verified(file, time);
    AttestationResult defaults = tdx(q, b -> b);
    assertThat(failed(defaults)).isEqualTo(debugTd ? List.of("debug") : List.of());
    assertThat(failed(tdx(q, b -> b.allowDebug(true)))).isEmpty();
  }

  @Test
  void v5QuoteHasMrServiceTd() throws Exception {
    VerifiedDcapQuote q = verified("go-tdx-guest/testing/testdata/quote_v5_sample.dat", "2026-02-03T01:00:00Z");
    String mrServiceTd = q.quote().tdReport().mrServiceTd().orElseThrow().hex();
    AttestationResult r = tdx(q, b -> b.mrServiceTd(hex(mrServiceTd)));
    assertThat(failed(r)).isEmpty();
    assertThat(r.claims()).containsEntry("td_report_version", "1.5").containsEntry("mr_service_td", mrServiceTd).containsKey("tee_tcb_svn2");
  }

  @Test
  void defaultsRefuseADebugEnclave() throws Exception {
    // Only verified quotes can be appraised, and no real sample is a debug enclave: the fake Intel
    // platform signs one (ATTRIBUTES.DEBUG, bit 1), which makes it simulated, allowed here.
    DcapIssuer fake = FakeDcapPlatform.builder().seed(20250601L).build();
    DcapIssuer.Pck pck = fake.pck().fmspc("00a067110000").pceId("0000").pceSvn(13).issue();
    VerifiedDcapQuote q = DcapVerifier.verify(DcapQuote.parse(fake.sgxV3(pck).attributes("02000000000000000300000000000000").build()),
        List.of(fake.root()), at("2025-06-01T00:00:00Z"));
    assertThat(q.quote().sgxReport().attributes().debug()).isTrue();
    SgxAppraisalOptions.Builder simulated = SgxAppraisalOptions.builder().allowSimulated(true);
    AttestationResult r = DcapAppraiser.appraise(q, verdict(TcbStatus.UP_TO_DATE), simulated.build());
    assertThat(failed(r)).containsExactly("debug");
    assertThat(failed(DcapAppraiser.appraise(q, verdict(TcbStatus.UP_TO_DATE), simulated.allowDebug(true).build()))).isEmpty();
  }

  @Test
  void noCollateralIsContraindicatedUnlessOptional() throws Exception {
    AttestationResult r = DcapAppraiser.appraise(sprE4(), Optional.empty(), TdxAppraisalOptions.defaults());
    assertThat(r.status()).isEqualTo(TrustTier.CONTRAINDICATED);
    assertThat(r.firstFailure()).hasValue(Check.fail("tcb_status", "no Intel collateral given"));
    AttestationResult lenient = DcapAppraiser.appraise(sprE4(), Optional.empty(),
        TdxAppraisalOptions.builder().tcb(TcbPolicy.builder().requireCollateral(false).build()).build());
    assertThat(lenient.status()).isEqualTo(TrustTier.WARNING);
    // A minimum TCB date cannot be met without collateral.
    AttestationResult dated = DcapAppraiser.appraise(sprE4(), Optional.empty(),
        TdxAppraisalOptions.builder().tcb(TcbPolicy.builder().requireCollateral(false).minimumTcbDate(TCB_DATE).build()).build());
    assertThat(failed(dated)).containsExactly("tcb_date");
  }

  static Stream<Arguments> statusTiers() {
    return Stream.of(
        Arguments.of(TcbStatus.UP_TO_DATE, TrustTier.AFFIRMING),
        Arguments.of(TcbStatus.SW_HARDENING_NEEDED, TrustTier.WARNING),
        Arguments.of(TcbStatus.CONFIGURATION_NEEDED, TrustTier.WARNING),
        Arguments.of(TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED, TrustTier.CONTRAINDICATED),
        Arguments.of(TcbStatus.OUT_OF_DATE, TrustTier.CONTRAINDICATED),
        Arguments.of(TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED, TrustTier.CONTRAINDICATED),
        Arguments.of(TcbStatus.REVOKED, TrustTier.CONTRAINDICATED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("statusTiers")
  void eachStatusMapsToItsTier(TcbStatus status, TrustTier tier) throws Exception {
    AttestationResult r = DcapAppraiser.appraise(sprE4(), verdict(status, "INTEL-SA-00837"), TdxAppraisalOptions.defaults());
    Check c = r.checks().stream().filter(x -> x.name().equals("tcb_status")).findFirst().orElseThrow();
    assertThat(c.outcome()).isEqualTo(tier);
    assertThat(c.detail()).startsWith(status.label()).contains("INTEL-SA-00837");
    assertThat(r.status()).isEqualTo(tier);
  }

  @ParameterizedTest
  @EnumSource(TcbStatus.class)
  void revokedCanNeverBeAccepted(TcbStatus status) {
    for (TrustTier t : List.of(TrustTier.AFFIRMING, TrustTier.WARNING)) {
      if (status == TcbStatus.REVOKED) {
        assertThatThrownBy(() -> TcbPolicy.builder().status(status, t).build()).hasMessageStartingWith("tcb_status.Revoked");
      } else {
        assertThat(TcbPolicy.builder().status(status, t).build().tier(status)).isEqualTo(t);
      }
    }
    assertThatThrownBy(() -> TcbPolicy.builder().status(status, TrustTier.NONE).build()).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void minimumTcbDate() throws Exception {
    for (var c : List.of(Map.entry(TCB_DATE, true), Map.entry(TCB_DATE.minusSeconds(86_400), true), Map.entry(TCB_DATE.plusSeconds(1), false))) {
      AttestationResult r = DcapAppraiser.appraise(sprE4(), verdict(TcbStatus.UP_TO_DATE),
          TdxAppraisalOptions.builder().tcb(TcbPolicy.builder().minimumTcbDate(c.getKey()).build()).build());
      assertThat(failed(r)).isEqualTo(c.getValue() ? List.of() : List.of("tcb_date"));
    }
  }

  /**
   * A quote whose PCK chain ends at a root other than Intel's pinned one (the fake Intel platform's)
   * is labelled simulated by the verifier, whatever the caller trusts, and refused unless allowed.
   */
  @Test
  void aQuoteFromANonIntelRootIsSimulatedAndRefusedUnlessAllowed() throws Exception {
    Clock now = at("2025-06-01T00:00:00Z");
    DcapIssuer fake = FakeDcapPlatform.builder().seed(20250601L).build();
    DcapIssuer.Pck pck = fake.pck().fmspc("50806f000000").pceId("0000").pceSvn(13).issue();
    VerifiedDcapQuote q = DcapVerifier.verify(DcapQuote.parse(fake.tdxV4(pck).xfam("0300000000000000").build()), List.of(fake.root(), DcapVerifier.intelRoot()), now);
    assertThat(q.root()).isEqualTo(fake.root());
    assertThat(q.platform()).isEqualTo(PlatformKind.SIMULATED);
    AttestationResult r = DcapAppraiser.appraise(q, verdict(TcbStatus.UP_TO_DATE), TdxAppraisalOptions.defaults());
    assertThat(r.platform()).isEqualTo(PlatformKind.SIMULATED);
    assertThat(r.checks()).filteredOn(Check::failed).extracting(Check::name, Check::detail)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("platform", "evidence is from a simulated platform and simulation is not allowed"));
    assertThat(r.claims()).containsEntry("platform", "simulated");
    assertThat(DcapAppraiser.appraise(q, verdict(TcbStatus.UP_TO_DATE), TdxAppraisalOptions.builder().allowSimulated(true).build()).affirming()).isTrue();
    // Intel's own quote verified with the same root list is hardware: the label follows the chain, not the list.
    assertThat(sprE4().platform()).isEqualTo(PlatformKind.HARDWARE);
  }

  @Test
  void theWrongKindOfQuoteIsContraindicated() throws Exception {
    AttestationResult r = DcapAppraiser.appraise(sgxQuote(), verdict(TcbStatus.UP_TO_DATE), TdxAppraisalOptions.defaults());
    assertThat(failed(r)).containsExactly("tee_type");
    assertThat(r.format()).isEqualTo("tdx");
    AttestationResult s = DcapAppraiser.appraise(sprE4(), verdict(TcbStatus.UP_TO_DATE), SgxAppraisalOptions.defaults());
    assertThat(failed(s)).containsExactly("tee_type");
  }

  @Test
  void ccelReplayInTheAppraisal() throws Exception {
    String dir = "go-tdx-guest/testing/testdata/ccel/";
    VerifiedDcapQuote q = verified(dir + "cos-113-tdx-quote.dat", "2024-08-01T00:00:00Z");
    CcelEventLog log = CcelEventLog.parse(Vectors.read(dir + "ccel_table.dat"), Vectors.read(dir + "ccel_data.dat"));
    // TdxDefaultOpts(nonce): the report data is the 64-byte zero nonce.
    AttestationResult r = tdx(q, b -> b.eventLog(log).reportData(Octets.copyOf(Vectors.read(dir + "nonce.dat"))));
    assertThat(failed(r)).isEmpty();
    assertThat(r.checks()).extracting(Check::name).contains("rtmr_replay");
    assertThat(r.claims()).containsEntry("event_log",
        Map.of("events", 43, "extends_per_rtmr", Map.of("rtmr0", 16, "rtmr1", 7, "rtmr2", 20, "rtmr3", 0)));
    // The same log does not replay to another TD's RTMRs.
    AttestationResult other = tdx(sprE4(), b -> b.eventLog(log));
    assertThat(failed(other)).containsExactly("rtmr_replay");
    assertThat(other.firstFailure().orElseThrow().detail()).startsWith("ccel.rtmr0");
  }

  // SGX: dcap-qvl sample/sgx_quote (ISVPRODID 0, ISVSVN 0, MODE64BIT set, "Hello, world!").
  static AttestationResult sgx(UnaryOperator<SgxAppraisalOptions.Builder> o) throws Exception {
    return DcapAppraiser.appraise(sgxQuote(), verdict("00a067110000", TcbStatus.UP_TO_DATE),
        o.apply(SgxAppraisalOptions.builder()).build());
  }

  static String helloWorld() {
    byte[] rd = new byte[64];
    byte[] s = "Hello, world!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(s, 0, rd, 0, s.length);
    return Octets.copyOf(rd).hex();
  }

  @Test
  void sgxGoodValuesAffirm() throws Exception {
    AttestationResult r = sgx(b -> b.addMrEnclave(hex(SGX_MRENCLAVE)).addMrSigner(hex(SGX_MRSIGNER)).isvProdId(0).minimumIsvSvn(0)
        .requireMode64Bit(true).reportData(hex(helloWorld())).qeVendorId(hex(INTEL_QE_VENDOR)).minimumQeSvn(10)
        .configId(hex("00".repeat(64))).isvFamilyId(hex("00".repeat(16))).isvExtProdId(hex("00".repeat(16))));
    assertThat(failed(r)).isEmpty();
    assertThat(r.status()).isEqualTo(TrustTier.AFFIRMING);
    assertThat(r.format()).isEqualTo("sgx");
    assertThat(r.claims()).containsEntry("mr_enclave", SGX_MRENCLAVE).containsEntry("mr_signer", SGX_MRSIGNER)
        .containsEntry("isv_prod_id", 0).containsEntry("isv_svn", 0).containsEntry("qe_svn", 10).containsEntry("report_data", helloWorld())
        .containsEntry("fmspc", "00a067110000")
        // The PCK certificate is for PCESVN 13; the v3 header reports the running PCE's SVN 15.
        .containsEntry("pce_svn", 13).containsEntry("header_pce_svn", 15).containsEntry("header_qe_svn", 10);
    @SuppressWarnings("unchecked")
    Map<String, Object> attrs = (Map<String, Object>) r.claims().get("attributes");
    assertThat(attrs).containsEntry("debug", false).containsEntry("mode64bit", true);
  }

  static Stream<Arguments> badSgx() {
    return Stream.of(
        Arguments.of("mr_enclave", (UnaryOperator<SgxAppraisalOptions.Builder>) b -> b.addMrEnclave(hex(SGX_MRSIGNER))),
        Arguments.of("mr_signer", (UnaryOperator<SgxAppraisalOptions.Builder>) b -> b.addMrSigner(hex(SGX_MRENCLAVE))),
        Arguments.of("isv_prod_id", (UnaryOperator<SgxAppraisalOptions.Builder>) b -> b.isvProdId(1)),
        Arguments.of("isv_svn", (UnaryOperator<SgxAppraisalOptions.Builder>) b -> b.minimumIsvSvn(1)),
        Arguments.of("report_data", (UnaryOperator<SgxAppraisalOptions.Builder>) b -> b.reportData(hex("00".repeat(64)))),
        Arguments.of("qe_svn", (UnaryOperator<SgxAppraisalOptions.Builder>) b -> b.minimumQeSvn(11)),
        Arguments.of("qe_vendor_id", (UnaryOperator<SgxAppraisalOptions.Builder>) b -> b.qeVendorId(hex("00".repeat(16)))),
        Arguments.of("config_id", (UnaryOperator<SgxAppraisalOptions.Builder>) b -> b.configId(hex("01".repeat(64)))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSgx")
  void sgxBadValuesFailExactlyTheirCheck(String check, UnaryOperator<SgxAppraisalOptions.Builder> option) throws Exception {
    assertThat(failed(sgx(option))).containsExactly(check);
  }

  /** dcap-qvl could_parse_sgx_quote: ConfigurationAndSWHardeningNeeded with two advisories. */
  @Test
  void sgxConfigurationAndSwHardeningNeededIsConfigurable() throws Exception {
    Optional<TcbVerdict> v = Optional.of(new TcbVerdict(TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED, TCB_DATE,
        List.of("INTEL-SA-00289", "INTEL-SA-00615"), TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED, TcbStatus.UP_TO_DATE, Optional.empty(),
        "00a067110000", Instant.parse("2025-07-19T10:01:18Z"), true));
    AttestationResult strict = DcapAppraiser.appraise(sgxQuote(), v, SgxAppraisalOptions.defaults());
    assertThat(strict.status()).isEqualTo(TrustTier.CONTRAINDICATED);
    assertThat(failed(strict)).containsExactly("tcb_status");
    AttestationResult accepting = DcapAppraiser.appraise(sgxQuote(), v, SgxAppraisalOptions.builder()
        .tcb(TcbPolicy.builder().status(TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED, TrustTier.WARNING).build()).build());
    assertThat(accepting.status()).isEqualTo(TrustTier.WARNING);
    assertThat(accepting.checks()).contains(new Check("tcb_status", TrustTier.WARNING,
        "ConfigurationAndSWHardeningNeeded, advisories INTEL-SA-00289, INTEL-SA-00615"));
    assertThat(accepting.claims()).containsEntry("advisory_ids", List.of("INTEL-SA-00289", "INTEL-SA-00615"))
        .containsEntry("fmspc", "00a067110000").containsEntry("tcb_status", "ConfigurationAndSWHardeningNeeded");
  }
}
