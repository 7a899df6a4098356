package dev.cloister.attestation.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.appraise.TcbPolicy;
import dev.cloister.attestation.dcap.appraise.TdxAppraisalOptions;
import dev.cloister.attestation.dcap.tcb.CollateralSource;
import dev.cloister.attestation.dcap.tcb.IntelCollateral;
import dev.cloister.attestation.dcap.tcb.TcbStatus;
import dev.cloister.attestation.snp.verify.VerifyOptions;
import dev.cloister.attestation.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Azure TDX vTPM evidence from confidential-containers/trustee@78962cd
 * deps/verifier/test_data/az-tdx-vtpm/ (upstream {@code az_tdx_vtpm/mod.rs} tests; testdata/vectors
 * INDEX.md §2): {@code test_verify_hcl_var_data} and its mutation at 0x880 ("TDX Quote report data
 * mismatch"), the TPM signature, nonce "challenge" and PCR tests with their mutations of
 * {@code quote.bin} (bincode: signature at 8, message at 272, PCRs at 402, so quote.bin[0x20] is
 * signature byte 24 and quote.bin[0x169] is message byte 89), and {@code test_evaluate}'s pcr00.
 * Intel collateral for FMSPC 00806f050000 is automata-network/dcap-rs@d847b8f data/ (valid
 * 2025-02-13T03:50:41Z..2025-03-15T03:39:00Z); the TD quote's PCK is valid 2023-09-13..2030-09-13.
 */
class AzureTdxVtpmVerifierTest {
  static final String DIR = "trustee/deps/verifier/test_data/az-tdx-vtpm/";
  static final String DCAP_RS = "dcap-rs/data/";
  static final ObjectMapper JSON = new ObjectMapper();
  static final Octets CHALLENGE = Octets.copyOf("challenge".getBytes(StandardCharsets.US_ASCII));
  static final String PCR0 = "782b20b10f55cc46e2142cc2145d548698073e5beb82752c8d7f9279f0d8a273";
  /** Inside the PCK chain's validity and dcap-rs's collateral window. */
  static final Clock AT = at("2025-03-01T00:00:00Z");

  static Clock at(String t) {
    return Clock.fixed(Instant.parse(t), ZoneOffset.UTC);
  }

  static AzureTdxVtpmVerifier.Verified verify(byte[] json) throws Exception {
    return AzureTdxVtpmVerifier.verify(AzureTdxVtpmEvidence.decode(json), AzureTdxVtpmVerifier.Options.at(AT));
  }

  static ObjectNode v0() throws Exception {
    return (ObjectNode) JSON.readTree(Vectors.read(DIR + "evidence-v0.json"));
  }

  static ObjectNode v1() throws Exception {
    return (ObjectNode) JSON.readTree(Vectors.read(DIR + "evidence-v1.json"));
  }

  static byte[] bytes(ObjectNode n) throws Exception {
    return JSON.writeValueAsBytes(n);
  }

  /** The v0 evidence with one byte of a byte-list field changed. */
  static byte[] v0With(Consumer<ObjectNode> edit) throws Exception {
    ObjectNode n = v0();
    edit.accept(n);
    return bytes(n);
  }

  static void setByte(ArrayNode list, int index, int value) {
    list.set(index, value & 0xFF);
  }

  static CollateralSource dcapRsCollateral() throws Exception {
    IntelCollateral c = IntelCollateral.fromFiles(Arrays.stream(new String[] {"tcbinfov3_00806f050000.json", "qeidentityv2_apiv4.json",
        "tcb_signing_cert.pem", "intel_root_ca_crl.der", "pck_platform_crl.der"}).map(f -> Vectors.require(DCAP_RS + f)).toList());
    return CollateralSource.fixed(c);
  }

  static AttestationException thrown(byte[] json) {
    try {
      verify(json);
    } catch (AttestationException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("unexpected " + e, e);
    }
    throw new AssertionError("verification passed");
  }

  @Test
  void bothEvidenceShapesVerifyWithTheUpstreamPcr0AndNonce() throws Exception {
    for (String file : new String[] {"evidence-v0.json", "evidence-v1.json"}) {
      var v = verify(Vectors.read(DIR + file));
      assertThat(v.pcrs().getFirst().hex()).as(file).isEqualTo(PCR0);
      assertThat(v.quote().extraData()).as(file).isEqualTo(CHALLENGE);
      assertThat(v.platform()).isEqualTo(PlatformKind.HARDWARE);
      assertThat(v.tcb()).isEmpty();
      assertThat(v.hcl().isTdx()).isTrue();
      // upstream test_verify_hcl_var_data: SHA-256 of the runtime claims is the TD quote's report_data[0:32]
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(v.hcl().runtimeClaims());
      assertThat(Arrays.copyOf(v.tdQuote().tdReport().reportData().toByteArray(), 32)).isEqualTo(digest);
      assertThat(v.hcl().td().body()).isEqualTo(v.tdQuote().tdReport());
    }
    // The two shapes carry the same bytes as the separate sample files.
    var e0 = AzureTdxVtpmEvidence.decode(Vectors.read(DIR + "evidence-v0.json"));
    var e1 = AzureTdxVtpmEvidence.decode(Vectors.read(DIR + "evidence-v1.json"));
    assertThat(e0.hclReport()).isEqualTo(Vectors.read(DIR + "hcl-report.bin")).isEqualTo(e1.hclReport());
    assertThat(e0.tdQuote()).isEqualTo(Vectors.read(DIR + "td-quote.bin")).isEqualTo(e1.tdQuote());
    assertThat(e0.quoteMessage()).isEqualTo(e1.quoteMessage());
    assertThat(e0.pcrs()).isEqualTo(e1.pcrs());
  }

  @Test
  void appraisalWithoutCollateralNamesTheMissingTcbStatusAndReportsTheClaims() throws Exception {
    var v = verify(Vectors.read(DIR + "evidence-v1.json"));
    var o = new AzureTdxVtpmAppraiser.Options(TdxAppraisalOptions.defaults(), Optional.of(CHALLENGE), Map.of(0, Octets.fromHex(PCR0)));
    AttestationResult strict = AzureTdxVtpmAppraiser.appraise(v, o);
    assertThat(strict.format()).isEqualTo("az-tdx-vtpm");
    assertThat(strict.status()).isEqualTo(TrustTier.CONTRAINDICATED);
    assertThat(strict.firstFailure().orElseThrow().name()).isEqualTo("tcb_status");
    assertThat(strict.checks()).filteredOn(Check::failed).extracting(Check::name).containsExactly("tcb_status");
    assertThat(strict.claims()).containsEntry("platform", "hardware").containsEntry("tpm_nonce", CHALLENGE.hex())
        .containsEntry("tee_type", "tdx").containsEntry("fmspc", "00806f050000")
        .containsKeys("mr_td", "rtmr0", "mr_seam", "td_attributes", "report_data", "qe_svn").doesNotContainKey("tcb_status");
    assertThat(((Map<?, ?>) strict.claims().get("pcrs")).get("00")).isEqualTo(PCR0);
    assertThat(strict.checks()).extracting(Check::name).contains("tpm_nonce", "pcr0", "debug", "xfam.fixed_bits");

    var lenient = new AzureTdxVtpmAppraiser.Options(TdxAppraisalOptions.builder().tcb(TcbPolicy.builder().requireCollateral(false).build()).build(),
        Optional.of(CHALLENGE), Map.of());
    AttestationResult r = AzureTdxVtpmAppraiser.appraise(v, lenient);
    assertThat(r.checks()).filteredOn(Check::failed).isEmpty();
    assertThat(r.status()).isEqualTo(TrustTier.WARNING);

    var wrongPcr = new AzureTdxVtpmAppraiser.Options(lenient.tdx(), Optional.of(CHALLENGE), Map.of(0, Octets.zeros(32)));
    assertThat(AzureTdxVtpmAppraiser.appraise(v, wrongPcr).firstFailure().orElseThrow().name()).isEqualTo("pcr0");
  }

  /**
   * The PCK chain is valid inside dcap-rs's collateral window, so the TD quote gets a real verdict.
   * No upstream asserts it (Trustee's test_evaluate needs live PCS); it is computed here and agrees
   * with a reading of the TCB info by hand: tee_tcb_svn 02 01 06, so module TDX_01 at ISVSVN 2
   * (OutOfDate) and the platform level with TDX component 2 >= 6 (OutOfDate, 2023-08-09).
   */
  @Test
  void withDcapRsCollateralTheQuoteIsOutOfDate() throws Exception {
    var options = AzureTdxVtpmVerifier.Options.at(AT).withCollateral(dcapRsCollateral());
    var v = AzureTdxVtpmVerifier.verify(AzureTdxVtpmEvidence.decode(Vectors.read(DIR + "evidence-v1.json")), options);
    var tcb = v.tcb().orElseThrow();
    assertThat(tcb.fmspc()).isEqualToIgnoringCase("00806f050000");
    assertThat(tcb.revocationChecked()).isTrue();
    assertThat(tcb.status()).isEqualTo(TcbStatus.OUT_OF_DATE);
    assertThat(tcb.qeStatus()).isEqualTo(TcbStatus.UP_TO_DATE);
    assertThat(tcb.moduleStatus()).contains(TcbStatus.OUT_OF_DATE);
    assertThat(tcb.advisoryIds()).containsExactly("INTEL-SA-00960", "INTEL-SA-00982", "INTEL-SA-00986");

    AttestationResult strict = AzureTdxVtpmAppraiser.appraise(v, new AzureTdxVtpmAppraiser.Options(TdxAppraisalOptions.defaults(), Optional.of(CHALLENGE), Map.of()));
    assertThat(strict.claims()).containsEntry("tcb_status", "OutOfDate").containsEntry("advisory_ids", tcb.advisoryIds())
        .containsEntry("module_tcb_status", "OutOfDate");
    assertThat(strict.status()).isEqualTo(TrustTier.CONTRAINDICATED);
    assertThat(strict.checks()).filteredOn(Check::failed).extracting(Check::name).containsExactly("tcb_status");
    var accepting = TdxAppraisalOptions.builder().tcb(TcbPolicy.builder().status(TcbStatus.OUT_OF_DATE, TrustTier.WARNING).build()).build();
    AttestationResult r = AzureTdxVtpmAppraiser.appraise(v, new AzureTdxVtpmAppraiser.Options(accepting, Optional.of(CHALLENGE), Map.of(0, Octets.fromHex(PCR0))));
    assertThat(r.status()).isEqualTo(TrustTier.WARNING);
    assertThat(r.format()).isEqualTo("az-tdx-vtpm");
  }

  @Test
  void trusteeMutationAt0x880FailsWithTheReportDataMismatch() throws Exception {
    AttestationException e = thrown(v0With(n -> {
      ArrayNode hcl = (ArrayNode) n.get("hcl_report");
      setByte(hcl, 0x880, hcl.get(0x880).asInt() + 1);
    }));
    assertThat(e).isInstanceOf(VerificationException.class);
    assertThat(e.field()).isEqualTo("td_quote.report_data");
    assertThat(e.getMessage()).containsIgnoringCase("TDX quote report data mismatch");
  }

  @Test
  void trusteeTpmQuoteMutationsFailNamingTheirField() throws Exception {
    // quote.bin[0x20] = 0: signature byte 24 (upstream: SignatureMismatch)
    assertThat(thrown(v0With(n -> setByte((ArrayNode) n.get("tpm_quote").get("signature"), 24, 0))).field()).isEqualTo("tpm_quote.signature");
    // quote.bin[0x169] = 0: message byte 89, the low byte of the PCR digest's size. Upstream's verify_pcrs
    // does not check the signature and reports PcrMismatch; here the signature over the message is checked first.
    assertThat(thrown(v0With(n -> setByte((ArrayNode) n.get("tpm_quote").get("message"), 89, 0))).field()).isEqualTo("tpm_quote.signature");
    // a supplied PCR value that is not what the quote's digest covers
    assertThat(thrown(v0With(n -> setByte((ArrayNode) ((ArrayNode) n.get("tpm_quote").get("pcrs")).get(7), 0, 0xFF))).field())
        .isEqualTo("tpm_quote.pcr_digest");
    // upstream test_verify_tpm_nonce_failure: nonce "wrong"
    var v = verify(Vectors.read(DIR + "evidence-v0.json"));
    var wrong = new AzureTdxVtpmAppraiser.Options(TdxAppraisalOptions.defaults(), Optional.of(Octets.copyOf("wrong".getBytes(StandardCharsets.US_ASCII))), Map.of());
    AttestationResult r = AzureTdxVtpmAppraiser.appraise(v, wrong);
    assertThat(r.status()).isEqualTo(TrustTier.CONTRAINDICATED);
    assertThat(r.checks()).filteredOn(c -> c.name().equals("tpm_nonce")).singleElement().satisfies(c -> assertThat(c.failed()).isTrue());
  }

  @Test
  void bitFlipsInSignedOrBoundRegionsAreRejected() throws Exception {
    ObjectNode base = v1();
    byte[] td = Base64.getUrlDecoder().decode(base.get("td_quote").asText());
    byte[] hcl = Base64.getUrlDecoder().decode(base.get("hcl_report").asText());
    DcapQuote q = DcapQuote.parse(td);
    // The quote up to its PCK chain: header and body (signed by the attestation key), signature, key,
    // QE report (signed by the PCK), QE signature and the authentication data it binds.
    int beforeChain = q.signedRegion().length + 4 + 64 + 64 + 6 + 384 + 64 + 2 + q.qeAuthData().length;
    int claimSize = hcl.length > 1236 ? java.nio.ByteBuffer.wrap(hcl, 1232, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt() : 0;
    int[][] regions = {
        {0, beforeChain}, // td_quote
        {1236, 1236 + claimSize}, // hcl_report runtime claims, bound by the quote's report data
        {32 + 256 + 8, 32 + 256 + 128}, // hcl_report TDREPORT: TEE_TCB_INFO svn, MRSEAM, MRSIGNERSEAM, attributes
        {32 + 512, 32 + 512 + 400}, // hcl_report TDREPORT: TDINFO through RTMR3
    };
    String[] fields = {"td_quote", "hcl_report", "hcl_report", "hcl_report"};
    Random r = new Random(0x81);
    for (int k = 0; k < regions.length; k++) {
      byte[] original = fields[k].equals("td_quote") ? td : hcl;
      for (int i = 0; i < 40; i++) {
        byte[] bad = original.clone();
        int bit = regions[k][0] * 8 + r.nextInt((regions[k][1] - regions[k][0]) * 8);
        bad[bit / 8] ^= (byte) (1 << (bit % 8));
        ObjectNode n = base.deepCopy();
        n.put(fields[k], Base64.getUrlEncoder().withoutPadding().encodeToString(bad));
        assertThatThrownBy(() -> verify(bytes(n))).as("%s bit %d", fields[k], bit).isInstanceOf(AttestationException.class);
      }
    }
    for (String field : new String[] {"message", "signature"}) {
      byte[] v = HexFormat.of().parseHex(base.get("tpm_quote").get(field).asText());
      for (int i = 0; i < 40; i++) {
        byte[] bad = v.clone();
        int bit = r.nextInt(bad.length * 8);
        bad[bit / 8] ^= (byte) (1 << (bit % 8));
        ObjectNode n = base.deepCopy();
        ((ObjectNode) n.get("tpm_quote")).put(field, HexFormat.of().formatHex(bad));
        assertThat(thrown(bytes(n)).field()).as("tpm_quote.%s bit %d", field, bit).isEqualTo("tpm_quote.signature");
      }
    }
  }

  @Test
  void mixedEvidenceIsRejected() throws Exception {
    // The HCL report's TDREPORT differing from the quoted one (its RTMR3 changed) while the claims still match.
    assertThat(thrown(v0With(n -> {
      ArrayNode h = (ArrayNode) n.get("hcl_report");
      setByte(h, 32 + 512 + 16 + 4 * 48 + 3 * 48, h.get(32 + 512 + 16 + 4 * 48 + 3 * 48).asInt() ^ 1);
    })).field()).isEqualTo("hcl_report.td_report");
    // An SEV-SNP HCL report in TDX evidence, and the TDX HCL report in SNP evidence.
    byte[] snpHcl = Vectors.read("trustee/deps/verifier/test_data/az-snp-vtpm/hcl-report.bin");
    ObjectNode n = v1();
    n.put("hcl_report", Base64.getUrlEncoder().encodeToString(snpHcl));
    assertThat(thrown(bytes(n)).field()).isEqualTo("hcl_report.report_type");
    ObjectNode snp = (ObjectNode) JSON.readTree(Vectors.read("trustee/deps/verifier/test_data/az-snp-vtpm/evidence-v1.json"));
    snp.put("hcl_report", v1().get("hcl_report").asText());
    assertThatThrownBy(() -> AzureVtpmVerifier.verify(AzureVtpmEvidence.decode(bytes(snp)),
        VerifyOptions.builder().clock(at("2026-06-01T00:00:00Z")).build()))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("hcl_report.report_type"));
  }

  @Test
  void theHclReportOfTypeFourHoldsATdReport() throws Exception {
    byte[] b = Vectors.read(DIR + "hcl-report.bin");
    HclReport h = HclReport.parse(b);
    assertThat(h.reportType()).isEqualTo(HclReport.REPORT_TYPE_TDX);
    assertThat(h.td().reportType().get(0) & 0xFF).isEqualTo(0x81);
    assertThat(h.td().reportData()).isEqualTo(DcapQuote.parse(Vectors.read(DIR + "td-quote.bin")).tdReport().reportData());
    assertThatThrownBy(h::snp).isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("hcl_report.report_type"));
    byte[] sgxType = b.clone();
    sgxType[32] = 0x00; // REPORTTYPE.TYPE 0 is SGX
    assertThatThrownBy(() -> HclReport.parse(sgxType))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("hcl_report.td_report.report_type"));
    byte[] unknown = b.clone();
    unknown[1216 + 8] = 3; // runtime header report_type
    assertThatThrownBy(() -> HclReport.parse(unknown))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("hcl_report.report_type"));
  }

  @Test
  void outsideThePckValidityTheQuoteIsRejected() throws Exception {
    var evidence = AzureTdxVtpmEvidence.decode(Vectors.read(DIR + "evidence-v1.json"));
    assertThatThrownBy(() -> AzureTdxVtpmVerifier.verify(evidence, AzureTdxVtpmVerifier.Options.at(at("2031-01-01T00:00:00Z"))))
        .isInstanceOfSatisfying(VerificationException.class, e -> assertThat(e.field()).startsWith("quote.pck_cert"));
    // Collateral outside its window fails closed, naming it.
    var late = AzureTdxVtpmVerifier.Options.at(at("2025-06-01T00:00:00Z")).withCollateral(dcapRsCollateral());
    assertThatThrownBy(() -> AzureTdxVtpmVerifier.verify(evidence, late)).isInstanceOf(VerificationException.class);
  }

  @Test
  void malformedEvidenceIsRefusedNamingTheField() throws Exception {
    ObjectNode n = v1();
    n.put("version", 2);
    assertThatThrownBy(() -> AzureTdxVtpmEvidence.decode(bytes(n)))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("az_tdx_vtpm.version"));
    ObjectNode noQuote = v1();
    noQuote.remove("td_quote");
    assertThatThrownBy(() -> AzureTdxVtpmEvidence.decode(bytes(noQuote)))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("az_tdx_vtpm.td_quote"));
    ObjectNode v0AsText = v0();
    v0AsText.put("hcl_report", v1().get("hcl_report").asText()); // v0 has no version: byte lists only
    assertThatThrownBy(() -> AzureTdxVtpmEvidence.decode(bytes(v0AsText)))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("az_tdx_vtpm.hcl_report"));
    ObjectNode fewPcrs = v1();
    ((ArrayNode) fewPcrs.get("tpm_quote").get("pcrs")).remove(23);
    assertThatThrownBy(() -> AzureTdxVtpmEvidence.decode(bytes(fewPcrs)))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("az_tdx_vtpm.tpm_quote.pcrs"));
  }

  @Test
  void theBrokerEntryPointBindsTheNonce() throws Exception {
    byte[] json = Vectors.read(DIR + "evidence-v1.json");
    TdxAppraisalOptions tdx = TdxAppraisalOptions.builder().tcb(TcbPolicy.builder().status(TcbStatus.OUT_OF_DATE, TrustTier.WARNING).build()).build();
    AttestationResult ok = AzureTdxVtpmAppraiser.attest(json, "challenge".getBytes(StandardCharsets.US_ASCII), Optional.of(dcapRsCollateral()), AT, tdx);
    assertThat(ok.checks()).filteredOn(Check::failed).isEmpty();
    assertThat(ok.claims()).containsEntry("tpm_nonce", CHALLENGE.hex()).containsKey("tcb_status");
    AttestationResult wrong = AzureTdxVtpmAppraiser.attest(json, "wrong".getBytes(StandardCharsets.US_ASCII), Optional.of(dcapRsCollateral()), AT, tdx);
    assertThat(wrong.status()).isEqualTo(TrustTier.CONTRAINDICATED);
    assertThat(wrong.firstFailure().orElseThrow().name()).isEqualTo("tpm_nonce");
    assertThatThrownBy(() -> AzureTdxVtpmAppraiser.attest(json, new byte[0], Optional.empty(), AT, tdx)).isInstanceOf(IllegalArgumentException.class);
  }
}
