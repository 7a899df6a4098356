package dev.cloister.attestation.dcap.tcb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.DcapVerifier;
import dev.cloister.attestation.testing.Vectors;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Intel collateral and TCB status against the outcomes upstream projects assert (testdata/vectors
 * INDEX.md §2, §3): dcap-qvl@9bffe30 tests/verify_quote.rs (TDX UpToDate, SGX
 * ConfigurationAndSWHardeningNeeded with INTEL-SA-00289 and INTEL-SA-00615, each at
 * min(nextUpdate) - 1 s), go-tdx-guest@91f9a52 verify_test.go TestNegativeRawQuoteVerifyWithCollateral
 * ("no matching TCB level" at 2023-07-01), and the INDEX's computed outcomes for dcap-rs@d847b8f and
 * Trustee's tdx_quote_6 (no upstream assertion of status there; the INDEX computed them).
 */
class CollateralVerifierTest {
  static Clock at(String t) {
    return Clock.fixed(Instant.parse(t), ZoneOffset.UTC);
  }

  static Clock epoch(long s) {
    return Clock.fixed(Instant.ofEpochSecond(s), ZoneOffset.UTC);
  }

  static IntelCollateral qvl(String name) throws Exception {
    return IntelCollateral.fromDcapQvlJson(Vectors.read("dcap-qvl/sample/" + name + "_collateral.json"));
  }

  static IntelCollateral files(String... relative) throws Exception {
    return IntelCollateral.fromFiles(Arrays.stream(relative).map(Vectors::require).toList());
  }

  @Test
  void dcapQvlTdxSampleIsUpToDate() throws Exception {
    var v = CollateralVerifier.intel(epoch(1752919234)).verify(Vectors.read("dcap-qvl/sample/tdx_quote"), qvl("tdx_quote"));
    assertThat(v.tcb().status()).isEqualTo(TcbStatus.UP_TO_DATE);
    assertThat(v.tcb().advisoryIds()).isEmpty();
    assertThat(v.tcb().fmspc()).isEqualTo("b0c06f000000");
    assertThat(v.tcb().revocationChecked()).isTrue();
    assertThat(v.tcb().moduleStatus()).contains(TcbStatus.UP_TO_DATE);
  }

  @Test
  void dcapQvlSgxSampleNeedsConfigurationAndHardening() throws Exception {
    var v = CollateralVerifier.intel(epoch(1752919277)).verify(Vectors.read("dcap-qvl/sample/sgx_quote"), qvl("sgx_quote"));
    assertThat(v.tcb().status()).isEqualTo(TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED);
    assertThat(v.tcb().advisoryIds()).containsExactly("INTEL-SA-00289", "INTEL-SA-00615");
    assertThat(v.tcb().qeStatus()).isEqualTo(TcbStatus.UP_TO_DATE);
    assertThat(v.tcb().moduleStatus()).isEmpty();
  }

  @Test
  void dcapQvlOutdatedTdxSampleMatchesNoLevel() throws Exception {
    // Upstream only reaches UpToDate by injecting a permissive level (verify_tcb_override.rs); without it no level has comp08 <= 3.
    assertThatThrownBy(() -> CollateralVerifier.intel(epoch(1774003274)).verify(Vectors.read("dcap-qvl/sample/tdx_quote_outdated"), qvl("tdx_quote_outdated")))
        .isInstanceOf(VerificationException.class)
        .hasMessageContaining("tcb_info.tcbLevels")
        .hasMessageContaining("no matching TCB level");
  }

  @Test
  void goTdxGuestSprE4MatchesNoLevel() throws Exception {
    String d = "go-tdx-guest/testing/testdata/";
    var c = files(d + "sample_tcbInfo_response", d + "sample_qeIdentity_response", d + "pckcrl", d + "rootcrl.der", "go-tdx-guest/_derived/tcbInfoIssuerChain.pem");
    assertThatThrownBy(() -> CollateralVerifier.intel(at("2023-07-01T01:00:00Z")).verify(Vectors.read(d + "tdx_prod_quote_SPR_E4.dat"), c))
        .isInstanceOf(VerificationException.class)
        .hasMessageContaining("no matching TCB level");
  }

  @Test
  void dcapRsTdxQuoteIsOutOfDate() throws Exception {
    String d = "dcap-rs/data/";
    var c = files(d + "tcbinfov3_00806f050000.json", d + "qeidentityv2_apiv4.json", d + "tcb_signing_cert.pem", d + "intel_root_ca_crl.der", d + "pck_platform_crl.der");
    var v = CollateralVerifier.intel(epoch(1739419232)).verify(Vectors.read(d + "quote_tdx_00806f050000.dat"), c);
    assertThat(v.tcb().status()).isEqualTo(TcbStatus.OUT_OF_DATE);
    assertThat(v.tcb().advisoryIds()).contains("INTEL-SA-00960", "INTEL-SA-00982", "INTEL-SA-00986");
    assertThat(v.tcb().qeStatus()).isEqualTo(TcbStatus.UP_TO_DATE);
    assertThat(v.tcb().moduleStatus()).contains(TcbStatus.UP_TO_DATE);
  }

  @Test
  void dcapRsSgxQuoteIsOutOfDate() throws Exception {
    String d = "dcap-rs/data/";
    var c = files(d + "tcbinfov2.json", d + "qeidentityv2.json", d + "tcb_signing_cert.pem", d + "intel_root_ca_crl.der", d + "pck_platform_crl.der");
    var v = CollateralVerifier.intel(epoch(1739419232)).verify(Vectors.read("dcap-rs/_derived/test_verifyv3_quote.dat"), c);
    assertThat(v.tcb().status()).isEqualTo(TcbStatus.OUT_OF_DATE);
    assertThat(v.tcb().qeStatus()).isEqualTo(TcbStatus.UP_TO_DATE);
  }

  @Test
  void aLoneTcbSigningCertificateIsRefused() throws Exception {
    // dcap-rs ships the TCB Signing certificate alone (signing_cert.pem) and with its root
    // (tcb_signing_cert.pem); Intel's QVL takes only the second (EXPECTED_CERTIFICATE_COUNT_IN_TCB_CHAIN = 2).
    String d = "dcap-rs/data/";
    var lone = files(d + "tcbinfov3_00806f050000.json", d + "qeidentityv2_apiv4.json", d + "signing_cert.pem", d + "intel_root_ca_crl.der", d + "pck_platform_crl.der");
    assertThat(lone.tcbInfoIssuerChain()).hasSize(1);
    assertThatThrownBy(() -> CollateralVerifier.intel(epoch(1739419232)).verify(Vectors.read(d + "quote_tdx_00806f050000.dat"), lone))
        .isInstanceOfSatisfying(VerificationException.class, e -> {
          assertThat(e.field()).isEqualTo("collateral.tcb_info_issuer_chain");
          assertThat(e.detail()).isEqualTo("holds 1 certificate; it must be exactly the Intel SGX TCB Signing certificate and the root CA");
        });
    // Root first, signing certificate second: the root is not where Intel's chain has it.
    var full = files(d + "tcbinfov3_00806f050000.json", d + "qeidentityv2_apiv4.json", d + "tcb_signing_cert.pem", d + "intel_root_ca_crl.der", d + "pck_platform_crl.der");
    var reversed = new IntelCollateral(full.tcbInfo(), full.tcbInfoIssuerChain().reversed(), full.qeIdentity(), full.qeIdentityIssuerChain(), full.rootCaCrl(),
        full.pckCrl());
    assertThatThrownBy(() -> CollateralVerifier.intel(epoch(1739419232)).verify(Vectors.read(d + "quote_tdx_00806f050000.dat"), reversed))
        .isInstanceOfSatisfying(VerificationException.class, e -> assertThat(e.field()).isEqualTo("collateral.tcb_info_issuer_chain.root"));
  }

  @Test
  void trusteeQuoteSixIsOutOfDateWithoutRevocation() throws Exception {
    String d = "trustee/deps/verifier/test_data/";
    var c = files(d + "tcbInfo.json", d + "enclaveIdentity.json", "dcap-qvl/_derived/tcb_info_issuer_chain_2025.pem");
    byte[] quote = Vectors.read(d + "tdx_quote_6.dat");
    Clock t = at("2025-11-01T00:00:00Z");
    assertThatThrownBy(() -> CollateralVerifier.intel(t).verify(quote, c)).hasMessageContaining("collateral.root_ca_crl");
    var v = CollateralVerifier.intel(t).allowingMissingCrls().verify(quote, c);
    assertThat(v.tcb().status()).isEqualTo(TcbStatus.OUT_OF_DATE);
    assertThat(v.tcb().platformStatus()).isEqualTo(TcbStatus.OUT_OF_DATE);
    assertThat(v.tcb().revocationChecked()).isFalse();
  }

  @Test
  void goTdxGuestV5PlatformAndModuleUpToDate() throws Exception {
    // The v5 sample's QE identity and CRLs are from 2023 and cannot be valid with its 2026 PCK chain,
    // so the TCB info is checked on its own: signature with the re-issued 2025 TCB Signing key, then levels.
    String d = "go-tdx-guest/testing/testdata/";
    byte[] raw = Vectors.read(d + "sample_tcbinfo_response_v5");
    byte[] body = IntelCollateral.rawMember(raw, "tcbInfo", "v5");
    var chain = IntelCollateral.pemChain(Vectors.read("dcap-qvl/_derived/tcb_info_issuer_chain_2025.pem"), "chain");
    var sig = java.security.Signature.getInstance("SHA256withECDSAinP1363Format");
    sig.initVerify(chain.getFirst().getPublicKey());
    sig.update(body);
    String hexSig = CollateralJson.read(raw, "v5").get("signature").asText();
    assertThat(sig.verify(IntelCollateral.signature(hexSig, "sig"))).isTrue();
    TcbInfo info = TcbInfo.parse(body);
    DcapQuote q = DcapVerifier.verify(Vectors.read(d + "quote_v5_sample.dat"), at("2026-02-03T01:00:00Z")).quote();
    byte[] b = q.reportBody().toByteArray();
    var o = TcbEvaluator.evaluate(info, PckExtensions.of(q.pckChain().getFirst()),
        Optional.of(new TcbEvaluator.TdxInputs(5, Arrays.copyOf(b, 16), Arrays.copyOfRange(b, 64, 112), Arrays.copyOfRange(b, 112, 120), Optional.of(Arrays.copyOfRange(b, 584, 600)))),
        new QeIdentity.Level(7, Instant.EPOCH, TcbStatus.UP_TO_DATE, List.of()));
    assertThat(o.platformStatus()).isEqualTo(TcbStatus.UP_TO_DATE);
    assertThat(o.moduleStatus()).contains(TcbStatus.UP_TO_DATE);
    assertThat(o.status()).isEqualTo(TcbStatus.UP_TO_DATE);
  }

  @Test
  void expiredCollateralIsRefusedNamingIt() throws Exception {
    // One second after the TCB info's nextUpdate (2025-07-19T10:16:03Z) and past the CRLs' windows.
    assertThatThrownBy(() -> CollateralVerifier.intel(at("2025-08-19T10:16:04Z")).verify(Vectors.read("dcap-qvl/sample/tdx_quote"), qvl("tdx_quote")))
        .isInstanceOf(VerificationException.class)
        .hasMessageContaining("next_update");
  }

  @Test
  void collateralForAnotherPlatformIsRefused() throws Exception {
    // The outdated sample's collateral is for FMSPC 90c06f000000; the quote's PCK says b0c06f000000.
    // Checked at the outdated collateral's time, without CRLs (the two sets' CRL windows do not overlap).
    IntelCollateral other = qvl("tdx_quote_outdated");
    var noCrls = new IntelCollateral(other.tcbInfo(), other.tcbInfoIssuerChain(), other.qeIdentity(), other.qeIdentityIssuerChain(), Optional.empty(), Optional.empty());
    assertThatThrownBy(() -> CollateralVerifier.intel(epoch(1774003274)).allowingMissingCrls().verify(Vectors.read("dcap-qvl/sample/tdx_quote"), noCrls))
        .isInstanceOf(VerificationException.class)
        .hasMessageContaining("tcb_info.fmspc");
  }

  @Test
  void sgxCollateralForTdxQuoteIsRefused() throws Exception {
    IntelCollateral tdx = qvl("tdx_quote");
    IntelCollateral sgx = qvl("sgx_quote");
    var mixed = new IntelCollateral(sgx.tcbInfo(), sgx.tcbInfoIssuerChain(), tdx.qeIdentity(), tdx.qeIdentityIssuerChain(), tdx.rootCaCrl(), tdx.pckCrl());
    assertThatThrownBy(() -> CollateralVerifier.intel(epoch(1752919234)).verify(Vectors.read("dcap-qvl/sample/tdx_quote"), mixed))
        .isInstanceOf(VerificationException.class)
        .hasMessageContaining("tcb_info.id");
  }

  @Test
  void everyBitOfTheSignedCollateralMatters() throws Exception {
    IntelCollateral c = qvl("tdx_quote");
    byte[] quote = Vectors.read("dcap-qvl/sample/tdx_quote");
    CollateralVerifier v = CollateralVerifier.intel(epoch(1752919234));
    java.util.Random r = new java.util.Random(6);
    for (int i = 0; i < 64; i++) {
      byte[] body = c.tcbInfo().body();
      body[r.nextInt(body.length)] ^= (byte) (1 << r.nextInt(8));
      var flipped = new IntelCollateral(new IntelCollateral.SignedDocument(body, c.tcbInfo().signature()), c.tcbInfoIssuerChain(), c.qeIdentity(),
          c.qeIdentityIssuerChain(), c.rootCaCrl(), c.pckCrl());
      assertThatThrownBy(() -> v.verify(quote, flipped)).hasMessageContaining("collateral.tcb_info_signature");
      byte[] qe = c.qeIdentity().body();
      qe[r.nextInt(qe.length)] ^= (byte) (1 << r.nextInt(8));
      var flippedQe = new IntelCollateral(c.tcbInfo(), c.tcbInfoIssuerChain(), new IntelCollateral.SignedDocument(qe, c.qeIdentity().signature()),
          c.qeIdentityIssuerChain(), c.rootCaCrl(), c.pckCrl());
      assertThatThrownBy(() -> v.verify(quote, flippedQe)).hasMessageContaining("collateral.qe_identity_signature");
    }
  }

  @Test
  void pckCrlFromTheOtherCaIsRefused() throws Exception {
    // The SGX sample's PCK CRL is issued by the Processor CA; the TDX sample's PCK is issued by the Platform CA.
    assertThatThrownBy(() -> CollateralVerifier.intel(epoch(1752919234)).verify(Vectors.read("dcap-qvl/sample/tdx_quote"), withCrls(qvl("tdx_quote"), qvl("sgx_quote"))))
        .isInstanceOf(VerificationException.class)
        .hasMessageContaining("collateral.pck_crl.issuer");
  }

  @Test
  void dcapQvlsPckCertificateChainIsUsedOnlyAsTheQuotesOwn() throws Exception {
    // dcap-qvl's CollateralClient::fetch sets pck_certificate_chain to the quote's embedded chain, and
    // verify() then checks that chain instead of the quote's: the same chain gives upstream's verdict ...
    byte[] quote = Vectors.read("dcap-qvl/sample/tdx_quote");
    String own = pem(DcapQuote.parse(quote).pckChain());
    var same = IntelCollateral.fromDcapQvlJson(withPckCertificateChain("tdx_quote", own));
    assertThat(same.pckCertificateChain()).contains(DcapQuote.parse(quote).pckChain());
    assertThat(CollateralVerifier.intel(epoch(1752919234)).verify(quote, same).tcb().status()).isEqualTo(TcbStatus.UP_TO_DATE);
    // ... and another platform's chain (the SGX sample's Processor CA chain) is refused, naming the field, not ignored.
    String other = pem(DcapQuote.parse(Vectors.read("dcap-qvl/sample/sgx_quote")).pckChain());
    var foreign = IntelCollateral.fromDcapQvlJson(withPckCertificateChain("tdx_quote", other));
    assertThatThrownBy(() -> CollateralVerifier.intel(epoch(1752919234)).verify(quote, foreign))
        .isInstanceOfSatisfying(VerificationException.class, e -> {
          assertThat(e.field()).isEqualTo("collateral.pck_certificate_chain");
          assertThat(e.detail()).startsWith("is not the PCK certificate chain embedded in the quote (3 certificates");
        });
    // Not PEM: a typed parse error naming the field.
    assertThatThrownBy(() -> IntelCollateral.fromDcapQvlJson(withPckCertificateChain("tdx_quote", "not a chain")))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("collateral.pck_certificate_chain"));
  }

  static byte[] withPckCertificateChain(String sample, String pem) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode n = (ObjectNode) json.readTree(Vectors.read("dcap-qvl/sample/" + sample + "_collateral.json"));
    assertThat(n.has("pck_certificate_chain")).isFalse();
    n.put("pck_certificate_chain", pem);
    return json.writeValueAsBytes(n);
  }

  static String pem(List<X509Certificate> chain) throws Exception {
    StringBuilder b = new StringBuilder();
    for (X509Certificate c : chain) {
      b.append("-----BEGIN CERTIFICATE-----\n").append(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded()))
          .append("\n-----END CERTIFICATE-----\n");
    }
    return b.toString();
  }

  @Test
  void directoryAndJsonLayoutsAgree() throws Exception {
    Path json = Vectors.require("dcap-qvl/sample/tdx_quote_collateral.json");
    var v = CollateralVerifier.intel(epoch(1752919234)).verify(Vectors.read("dcap-qvl/sample/tdx_quote"), IntelCollateral.load(json));
    assertThat(v.tcb().status()).isEqualTo(TcbStatus.UP_TO_DATE);
  }

  private static IntelCollateral withCrls(IntelCollateral docs, IntelCollateral crls) {
    return new IntelCollateral(docs.tcbInfo(), docs.tcbInfoIssuerChain(), docs.qeIdentity(), docs.qeIdentityIssuerChain(), crls.rootCaCrl(), crls.pckCrl());
  }
}
