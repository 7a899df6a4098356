package dev.cloister.attestation.snp.appraise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.cel.CelExpression;
import dev.cloister.attestation.snp.abi.PlatformInfo;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.snp.abi.TcbVersion;
import dev.cloister.attestation.snp.verify.SnpEvidence;
import dev.cloister.attestation.snp.verify.SnpVerifier;
import dev.cloister.attestation.snp.verify.VerifiedSnpReport;
import dev.cloister.attestation.snp.verify.VerifyOptions;
import dev.cloister.attestation.testing.Vectors;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Appraisal of the real Milan report that go-sev-guest's check tool is tested with
 * (google/go-sev-guest@af1c107 verify/testdata/attestation.bin + vcek.testcer): every "good" value
 * of tools/check/check_test.go passes, every "bad" value fails exactly the matching check.
 */
class SnpAppraiserTest {
  static final String GOOD_CHIP_ID = "3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e53786184ca39e359669a2b76a1936776b564ea464cdce40c05f63c9b610c5068b006b5d";
  // go-sev-guest goodTcb 4901323769462652930 = bytes 0200000000000544: bl 2, tee 0, snp 5, ucode 68.
  static final TcbVersion.Parts GOOD_TCB = new TcbVersion.Parts(0, 2, 0, 5, 68);
  // 4901323769462652931: bootloader 3.
  static final TcbVersion.Parts BAD_TCB = new TcbVersion.Parts(0, 3, 0, 5, 68);

  static VerifiedSnpReport milan() throws Exception {
    X509Certificate vcek = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Vectors.read("go-sev-guest/verify/testdata/vcek.testcer")));
    SnpEvidence e = SnpEvidence.of(SnpReport.parse(Vectors.read("go-sev-guest/verify/testdata/attestation.bin")), vcek);
    return SnpVerifier.verify(e, VerifyOptions.builder().clock(Clock.fixed(Instant.parse("2023-07-01T00:00:00Z"), ZoneOffset.UTC)).build());
  }

  /** check_test.go's goodPolicy allows Debug and SMT, which this report has. */
  static SnpAppraisalOptions.Builder good() {
    return SnpAppraisalOptions.builder().allowDebug(true);
  }

  static Stream<Arguments> goodValues() {
    return Stream.of(
        Arguments.of("report_data", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.reportData(Octets.fromHex("0102030405" + "00".repeat(59)))),
        Arguments.of("host_data", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.hostData(Octets.zeros(32))),
        Arguments.of("family_id", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.familyId(Octets.zeros(16))),
        Arguments.of("image_id", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.imageId(Octets.zeros(16))),
        Arguments.of("report_id", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.reportId(Octets.fromHex("8edc638e1857c555d21f6b11bda3c8b1b5a09dba4852b4c8ee7aa2f16f22cc0a"))),
        Arguments.of("report_id_ma", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.reportIdMa(Octets.fromHex("ff".repeat(32)))),
        Arguments.of("measurement", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.addMeasurement(Octets.fromHex("b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01"))),
        Arguments.of("chip_id", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.chipId(Octets.fromHex(GOOD_CHIP_ID))),
        Arguments.of("minimum_tcb", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.minimumTcb(GOOD_TCB)),
        Arguments.of("minimum_launch_tcb", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.minimumLaunchTcb(GOOD_TCB)),
        Arguments.of("firmware.build", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.minimumBuild(0)),
        Arguments.of("firmware.version", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.minimumVersion(1 << 8 | 49)),
        Arguments.of("provisional_firmware", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.permitProvisionalFirmware(true)),
        Arguments.of("author_key", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.requireAuthorKey(false)),
        Arguments.of("id_block", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.requireIdBlock(false)),
        Arguments.of("vmpl", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.vmpl(0)),
        // platform_info=1 in go-sev-guest: SMT may be enabled; nothing else required.
        Arguments.of("platform_info", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.platformInfoForbidden((1L << PlatformInfo.TSME_EN) | (1L << PlatformInfo.TIO_EN))));
  }

  @ParameterizedTest(name = "good {0}")
  @MethodSource("goodValues")
  void goodValuesAffirm(String name, UnaryOperator<SnpAppraisalOptions.Builder> set) throws Exception {
    AttestationResult r = SnpAppraiser.appraise(milan(), set.apply(good()).build());
    assertThat(r.status()).as(r.checks().toString()).isEqualTo(TrustTier.AFFIRMING);
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("report_data", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.reportData(Octets.fromHex("00".repeat(63) + "01"))),
        Arguments.of("host_data", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.hostData(Octets.fromHex("00".repeat(31) + "01"))),
        Arguments.of("family_id", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.familyId(Octets.fromHex("00".repeat(15) + "01"))),
        Arguments.of("image_id", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.imageId(Octets.fromHex("00".repeat(15) + "01"))),
        Arguments.of("chip_id", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.chipId(Octets.fromHex(GOOD_CHIP_ID.substring(0, 126) + "5e"))),
        Arguments.of("minimum_tcb", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.minimumTcb(BAD_TCB)),
        Arguments.of("minimum_launch_tcb", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.minimumLaunchTcb(BAD_TCB)),
        Arguments.of("policy.debug", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.allowDebug(false)),
        Arguments.of("firmware.build", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.minimumBuild(90)),
        Arguments.of("firmware.version", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.minimumVersion(1 << 8 | 50)),
        Arguments.of("author_key", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.requireAuthorKey(true)),
        Arguments.of("id_block", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.requireIdBlock(true)),
        Arguments.of("vmpl", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.vmpl(1)),
        // platform_info=0 in go-sev-guest: SMT must not be enabled, and this platform has it.
        Arguments.of("platform_info", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.platformInfoForbidden(1L << PlatformInfo.SMT_EN)),
        Arguments.of("measurement", (UnaryOperator<SnpAppraisalOptions.Builder>) b -> b.addMeasurement(Octets.zeros(48))));
  }

  @ParameterizedTest(name = "bad {0}")
  @MethodSource("badValues")
  void badValuesFailExactlyTheirCheck(String name, UnaryOperator<SnpAppraisalOptions.Builder> set) throws Exception {
    AttestationResult r = SnpAppraiser.appraise(milan(), set.apply(good()).build());
    assertThat(r.status()).isEqualTo(TrustTier.CONTRAINDICATED);
    // As in go-sev-guest, requiring an author key implies requiring an ID block, and this report has neither.
    String[] expected = name.equals("author_key") ? new String[] {"author_key", "id_block"} : new String[] {name};
    assertThat(r.checks().stream().filter(Check::failed).map(Check::name).distinct().toList())
        .as(r.checks().toString()).containsExactlyInAnyOrder(expected);
  }

  @Test
  void defaultsRefuseTheDebugGuest() throws Exception {
    AttestationResult r = SnpAppraiser.appraise(milan(), SnpAppraisalOptions.defaults());
    assertThat(r.firstFailure()).map(Check::name).contains("policy.debug");
  }

  @Test
  void claimsCarryEveryFieldTheCliPromises() throws Exception {
    var claims = SnpAppraiser.appraise(milan(), good().build()).claims();
    assertThat(claims).containsKeys("measurement", "report_data", "host_data", "chip_id", "vmpl", "policy", "reported_tcb", "product", "platform");
    assertThat(claims.get("product")).isEqualTo("Milan");
    assertThat(claims.get("platform")).isEqualTo("hardware");
  }

  @Test
  void celRulesReturnBoolOrTierAndFailClosed() throws Exception {
    VerifiedSnpReport v = milan();
    Set<String> vars = SnpAppraiser.celVariables();
    assertThat(SnpAppraiser.appraise(v, good().cel(CelExpression.compile("claims.vmpl == 0 && claims.policy.smt", vars, Set.of())).build()).status())
        .isEqualTo(TrustTier.AFFIRMING);
    assertThat(SnpAppraiser.appraise(v, good().cel(CelExpression.compile("claims.guest_svn > 5", vars, Set.of())).build()).firstFailure())
        .map(Check::name).contains("cel");
    assertThat(SnpAppraiser.appraise(v, good().cel(CelExpression.compile("claims.vmpl == 0 ? 'warning' : 'affirming'", vars, Set.of())).build()).status())
        .isEqualTo(TrustTier.WARNING);
    assertThat(SnpAppraiser.appraise(v, good().cel(CelExpression.compile("claims.no_such_claim == 1", vars, Set.of())).build()).status())
        .isEqualTo(TrustTier.CONTRAINDICATED);
  }

  @Test
  void optionsRejectWrongLengthsNamingTheField() {
    assertThatThrownBy(() -> SnpAppraisalOptions.builder().hostData(Octets.zeros(33)).build()).hasMessageContaining("host_data");
    assertThatThrownBy(() -> SnpAppraisalOptions.builder().addMeasurement(Octets.zeros(32)).build()).hasMessageContaining("measurement");
    assertThatThrownBy(() -> SnpAppraisalOptions.builder().vmpl(4).build()).hasMessageContaining("vmpl");
  }

  // Real Trustee Milan report: current TCB (…08ce) is newer than committed (…0873): provisional
  // firmware, permitted by default, refused when the caller forbids it.
  @Test
  void provisionalFirmwareOnARealSample() throws Exception {
    X509Certificate vcek = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Vectors.read("trustee/deps/verifier/test_data/snp/test-vcek.der")));
    VerifiedSnpReport v = SnpVerifier.verify(
        SnpEvidence.of(SnpReport.parse(Vectors.read("trustee/deps/verifier/test_data/snp/test-report.bin")), vcek),
        VerifyOptions.builder().clock(Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC)).build());
    assertThat(v.product()).isEqualTo(ProductLine.MILAN);
    assertThat(SnpAppraiser.appraise(v, SnpAppraisalOptions.defaults()).status()).isEqualTo(TrustTier.AFFIRMING);
    assertThat(SnpAppraiser.appraise(v, SnpAppraisalOptions.builder().permitProvisionalFirmware(false).build()).firstFailure())
        .map(Check::name).contains("provisional_firmware");
  }

  @Test
  void policyFileParsesEveryKeyAndRejectsUnknownOnes() {
    String json = """
        {"measurements": ["%s"], "host_data": "%s", "vmpl": 2, "minimum_guest_svn": 7, "allow_debug": true,
         "require_policy_bits": ["single_socket"], "minimum_version": "1.49", "minimum_tcb": {"bootloader": 2, "tee": 0, "snp": 5, "microcode": 68},
         "platform_info_required": [], "cel": "claims.vmpl == 0"}
        """.formatted("b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01", "ab".repeat(32));
    SnpAppraisalOptions o = SnpPolicyFile.parse(json.getBytes());
    // Each key lands in its option, with the value the file gives (every one differs from the default).
    assertThat(o.measurements).containsExactly(Octets.fromHex(
        "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01"));
    assertThat(o.hostData).contains(Octets.fromHex("ab".repeat(32)));
    assertThat(o.vmpl).contains(2);
    assertThat(o.minimumGuestSvn).isEqualTo(7);
    assertThat(o.allowDebug).isTrue();
    assertThat(o.requiredPolicyBits).containsExactly(20); // SINGLE_SOCKET, policy bit 20 (SEV-SNP ABI table 9)
    assertThat(o.minimumVersion).isEqualTo(1 << 8 | 49);
    assertThat(o.minimumTcb).contains(new TcbVersion.Parts(0, 2, 0, 5, 68));
    assertThat(o.platformInfoRequired).isZero();
    assertThat(o.cel).isPresent();
    assertThat(SnpAppraisalOptions.defaults().requiredPolicyBits).isEmpty();
    assertThatThrownBy(() -> SnpPolicyFile.parse("{\"measurment\": []}".getBytes())).hasMessageContaining("measurment");
    assertThatThrownBy(() -> SnpPolicyFile.parse("{\"allow_simulated\": true}".getBytes())).hasMessageContaining("allow_simulated");
    assertThatThrownBy(() -> SnpPolicyFile.parse("{\"cel\": \"claims.\"}".getBytes())).hasMessageContaining("cel");
    // Strict JSON: a repeated key would be two policies under one file.
    assertThatThrownBy(() -> SnpPolicyFile.parse("{\"vmpl\": 0, \"vmpl\": 3}".getBytes())).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duplicate key 'vmpl'");
  }

  @Test
  void policyFileAppraisesTheRealReport() throws Exception {
    String json = """
        {"measurements": ["b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01"],
         "allow_debug": true, "minimum_tcb": {"bootloader": 2, "tee": 0, "snp": 5, "microcode": 68}}""";
    assertThat(SnpAppraiser.appraise(milan(), SnpPolicyFile.parse(json.getBytes())).status()).isEqualTo(TrustTier.AFFIRMING);
    List<Check> failed = SnpAppraiser.appraise(milan(), SnpPolicyFile.parse("{\"measurements\": [\"%s\"]}".formatted("00".repeat(48)).getBytes()))
        .checks().stream().filter(Check::failed).toList();
    assertThat(failed).extracting(Check::name).containsExactlyInAnyOrder("policy.debug", "measurement");
  }

  // virtee/sev@9cf2adb tests/measurement/test_id_key.pem and test_auth_block.bin: the ID_AUTH_INFO
  // block carries the ID public key in the ABI's key format at 0x240 (curve 2, Qx and Qy little
  // endian, 0x404 bytes). The digest computed from the PEM key must equal SHA-384 of those bytes.
  @Test
  void idKeyDigestMatchesTheKeyFormatInARealAuthBlock() throws Exception {
    var info = (org.bouncycastle.asn1.pkcs.PrivateKeyInfo) new org.bouncycastle.openssl.PEMParser(
        new java.io.StringReader(new String(Vectors.read("sev/tests/measurement/test_id_key.pem")))).readObject();
    byte[] point = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey()).getPublicKey().getOctets();
    var params = java.security.AlgorithmParameters.getInstance("EC");
    params.init(new java.security.spec.ECGenParameterSpec("secp384r1"));
    var spec = params.getParameterSpec(java.security.spec.ECParameterSpec.class);
    var w = new java.security.spec.ECPoint(new java.math.BigInteger(1, java.util.Arrays.copyOfRange(point, 1, 49)),
        new java.math.BigInteger(1, java.util.Arrays.copyOfRange(point, 49, 97)));
    var pub = (java.security.interfaces.ECPublicKey) java.security.KeyFactory.getInstance("EC")
        .generatePublic(new java.security.spec.ECPublicKeySpec(w, spec));
    byte[] block = Vectors.read("sev/tests/measurement/test_auth_block.bin");
    byte[] expected = java.security.MessageDigest.getInstance("SHA-384").digest(java.util.Arrays.copyOfRange(block, 0x240, 0x240 + 0x404));
    assertThat(KeyDigests.of(pub)).isEqualTo(Octets.copyOf(expected));
    assertThat(SnpAppraisalOptions.builder().addTrustedIdKey(pub).build()).isNotNull();
  }
}
