package dev.cloister.attestation.dcap.tcb;

import static dev.cloister.attestation.dcap.tcb.TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED;
import static dev.cloister.attestation.dcap.tcb.TcbStatus.CONFIGURATION_NEEDED;
import static dev.cloister.attestation.dcap.tcb.TcbStatus.OUT_OF_DATE;
import static dev.cloister.attestation.dcap.tcb.TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED;
import static dev.cloister.attestation.dcap.tcb.TcbStatus.REVOKED;
import static dev.cloister.attestation.dcap.tcb.TcbStatus.SW_HARDENING_NEEDED;
import static dev.cloister.attestation.dcap.tcb.TcbStatus.TD_RELAUNCH_ADVISED;
import static dev.cloister.attestation.dcap.tcb.TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED;
import static dev.cloister.attestation.dcap.tcb.TcbStatus.UP_TO_DATE;
import static dev.cloister.attestation.dcap.issue.DcapIssuer.level;
import static dev.cloister.attestation.dcap.issue.DcapIssuer.moduleIdentity;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.DcapVerifier;
import dev.cloister.attestation.dcap.abi.TdReport;
import dev.cloister.attestation.dcap.issue.DcapIssuer;
import dev.cloister.attestation.testing.FakeDcapPlatform;
import dev.cloister.attestation.dcap.issue.DcapIssuer.Issuer;
import dev.cloister.attestation.dcap.issue.DcapIssuer.Pck;
import dev.cloister.attestation.dcap.issue.DcapIssuer.Tee;
import dev.cloister.attestation.testing.Vectors;
import java.security.cert.X509CRL;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Revocation, status convergence and TDX module checks that no real sample exercises, on quotes and
 * collateral from {@link FakeDcapPlatform} (every signature real, the fake root trusted explicitly).
 * Expected statuses follow Intel's quote verification library as published: TcbLevelCheck.cpp
 * (matchTcbLevels, isTdxTcbHigherOrEqual, convergeTcbStatusWithQeTcbStatus), TdxModuleCheck.cpp
 * (checkTdxModuleTcbStatus, convergeTcbStatusWithTdxModuleStatus), TDRelaunchCheck.cpp
 * (checkForRelaunch) and QuoteVerifier.cpp (PCK CRL issuer and revocation, MRSIGNERSEAM).
 *
 * <p>The fixture: PCK with every SGX component 5 and PCE SVN 13; TDX TCB info whose newest level
 * (SGX 5, PCE 13, TDX components from index 2 at 5) has the status under test and an older
 * OutOfDate level (4, 11, 4); module identity TDX_01 with ISVSVN levels 3 UpToDate, 1 OutOfDate,
 * 0 Revoked; TD_QE identity with ISVSVN levels 8 UpToDate, 6 OutOfDate, 4 Revoked.
 */
class FakeDcapCollateralTest {
  static final Clock NOW = Clock.fixed(Instant.parse("2025-06-01T00:00:00Z"), ZoneOffset.UTC);
  static final Instant ISSUED = Instant.parse("2025-05-01T00:00:00Z");
  static final Instant TCB_NEXT = Instant.parse("2025-07-01T00:00:00Z");
  static final Instant QE_NEXT = Instant.parse("2025-06-15T00:00:00Z");
  static final String FMSPC = "00806f050000";

  static final DcapIssuer FAKE = FakeDcapPlatform.builder().seed(20250601L).build();
  static final Pck PCK = FAKE.pck().fmspc(FMSPC).pceId("0000").components(all(5)).pceSvn(13).issue();

  static final String SA_PLATFORM_OLD = "INTEL-SA-00001";
  static final String SA_MODULE_OLD = "INTEL-SA-00101";
  static final String SA_MODULE_REVOKED = "INTEL-SA-00102";
  static final String SA_QE_OLD = "INTEL-SA-00201";
  static final String SA_QE_REVOKED = "INTEL-SA-00202";

  // ------------------------------------------------------------------ fixture

  static int[] all(int v) {
    int[] a = new int[16];
    Arrays.fill(a, v);
    return a;
  }

  /** TEE_TCB_SVN: module ISVSVN, module version, then every TDX component at {@code comps}. */
  static int[] tee(int moduleSvn, int moduleVersion, int comps) {
    int[] a = all(comps);
    a[0] = moduleSvn;
    a[1] = moduleVersion;
    return a;
  }

  static DcapIssuer.ModuleIdentity tdx01() {
    return moduleIdentity(1).level(3, UP_TO_DATE).level(1, OUT_OF_DATE, SA_MODULE_OLD).level(0, REVOKED, SA_MODULE_REVOKED);
  }

  /** TDX TCB info: the newest level has {@code newest} and its advisories, the older one is OutOfDate. */
  static DcapIssuer.TcbInfoBuilder tdxInfo(TcbStatus newest, String... advisories) {
    return FAKE.tcbInfo(Tee.TDX, PCK).window(ISSUED, TCB_NEXT)
        .level(level(newest).sgx(all(5)).pceSvn(13).tdx(tee(0, 0, 5)).advisories(advisories))
        .level(level(OUT_OF_DATE).sgx(all(4)).pceSvn(11).tdx(tee(0, 0, 4)).advisories(SA_PLATFORM_OLD))
        .moduleIdentity(tdx01());
  }

  static DcapIssuer.QeIdentityBuilder qeInfo(Tee tee) {
    return FAKE.qeIdentity(tee).window(ISSUED, QE_NEXT).level(8, UP_TO_DATE).level(6, OUT_OF_DATE, SA_QE_OLD).level(4, REVOKED, SA_QE_REVOKED);
  }

  /** A valid TDX v4 quote: module TDX_01 at ISVSVN 3, TDX components 5, QE ISVSVN 8. */
  static DcapIssuer.QuoteBuilder tdxQuote() {
    return FAKE.tdxV4(PCK).teeTcbSvn(tee(3, 1, 5)).qeIsvSvn(8);
  }

  static X509CRL rootCrl() {
    return FAKE.crl(Issuer.ROOT).build();
  }

  static X509CRL pckCrl() {
    return FAKE.crl(Issuer.PCK_CA).build();
  }

  static CollateralVerifier verifier() {
    return CollateralVerifier.withRoots(List.of(FAKE.root()), NOW);
  }

  static TcbVerdict verify(byte[] quote, DcapIssuer.TcbInfoBuilder tcb, DcapIssuer.QeIdentityBuilder qe) throws Exception {
    return verifier().verify(quote, FAKE.collateral(tcb.sign(), qe.sign(), rootCrl(), pckCrl())).tcb();
  }

  static TcbVerdict verify(byte[] quote, TcbStatus newest, String... advisories) throws Exception {
    return verify(quote, tdxInfo(newest, advisories), qeInfo(Tee.TDX));
  }

  static void refused(ThrowingCallable call, String field, String detail) {
    assertThatThrownBy(call).isInstanceOfSatisfying(VerificationException.class, e -> {
      assertThat(e.field()).isEqualTo(field);
      assertThat(e.detail()).contains(detail);
    });
  }

  // ------------------------------------------------------------------ the fake itself

  @Test
  void aFullyValidTdxQuoteIsUpToDate() throws Exception {
    TcbVerdict v = verify(tdxQuote().build(), UP_TO_DATE);
    assertThat(v.status()).isEqualTo(UP_TO_DATE);
    assertThat(v.platformStatus()).isEqualTo(UP_TO_DATE);
    assertThat(v.moduleStatus()).contains(UP_TO_DATE);
    assertThat(v.qeStatus()).isEqualTo(UP_TO_DATE);
    assertThat(v.advisoryIds()).isEmpty();
    assertThat(v.fmspc()).isEqualTo(FMSPC);
    assertThat(v.revocationChecked()).isTrue();
    assertThat(v.collateralExpiry()).isEqualTo(QE_NEXT); // the earliest nextUpdate of all collateral used
  }

  @Test
  void dcapVerifierAcceptsTheFakeOnlyWithItsRootGiven() throws Exception {
    byte[] quote = tdxQuote().reportData(filled(64, 0x5a)).build();
    var verified = DcapVerifier.verify(DcapQuote.parse(quote), List.of(FAKE.root()), NOW);
    // Trusted here, but not Intel's pinned root: the verifier labels it simulated, never hardware.
    assertThat(verified.platform()).isEqualTo(dev.cloister.attestation.PlatformKind.SIMULATED);
    DcapQuote q = verified.quote();
    assertThat(q.version()).isEqualTo(4);
    assertThat(q.tdx()).isTrue();
    assertThat(q.tdReport().reportData().toByteArray()).isEqualTo(filled(64, 0x5a));
    assertThat(q.qeReportBody().isvSvn()).isEqualTo(8);
    // The default path trusts Intel's pinned root only: the fake root is never in it.
    refused(() -> DcapVerifier.verify(quote, NOW), "quote.pck_cert_chain.root", FakeDcapPlatform.ROOT_CN);
    var collateral = FAKE.collateral(tdxInfo(UP_TO_DATE).sign(), qeInfo(Tee.TDX).sign(), rootCrl(), pckCrl());
    refused(() -> CollateralVerifier.intel(NOW).verify(quote, collateral), "quote.pck_cert_chain.root", FakeDcapPlatform.ROOT_CN);
  }

  @Test
  void everyQuoteShapeParsesAndVerifies() throws Exception {
    DcapQuote v5 = DcapVerifier.verify(DcapQuote.parse(FAKE.tdxV5(PCK).teeTcbSvn(tee(1, 1, 5)).teeTcbSvn2(tee(3, 1, 6)).mrServiceTd("ab".repeat(48)).build()),
        List.of(FAKE.root()), NOW).quote();
    assertThat(v5.version()).isEqualTo(5);
    assertThat(v5.bodyType()).isEqualTo(3);
    TdReport td = v5.tdReport();
    assertThat(td.teeTcbSvn2().orElseThrow().toByteArray()).isEqualTo(bytes(tee(3, 1, 6)));
    assertThat(td.mrServiceTd().orElseThrow().hex()).isEqualTo("ab".repeat(48));
    DcapQuote sgx = DcapVerifier.verify(DcapQuote.parse(FAKE.sgxV3(PCK).mrEnclave("cd".repeat(32)).isvSvn(7).build()), List.of(FAKE.root()), NOW).quote();
    assertThat(sgx.version()).isEqualTo(3);
    assertThat(sgx.tdx()).isFalse();
    assertThat(sgx.sgxReport().mrEnclave().hex()).isEqualTo("cd".repeat(32));
    assertThat(sgx.sgxReport().isvSvn()).isEqualTo(7);
  }

  @Test
  void theSameSeedGivesTheSameBytes() {
    DcapIssuer a = FakeDcapPlatform.builder().seed(7).build();
    DcapIssuer b = FakeDcapPlatform.builder().seed(7).build();
    byte[] qa = a.tdxV4(a.pck().issue()).build();
    byte[] qb = b.tdxV4(b.pck().issue()).build();
    assertThat(qa).isEqualTo(qb);
    assertThat(FakeDcapPlatform.builder().seed(8).build().root()).isNotEqualTo(a.root());
  }

  @Test
  void misuseFailsLoudly() {
    assertThatThrownBy(() -> FakeDcapPlatform.builder().build()).hasMessageContaining("seed");
    assertThatThrownBy(() -> FAKE.tdxV4(PCK).teeTcbSvn2(all(1))).hasMessageContaining("tee_tcb_svn2");
    assertThatThrownBy(() -> FAKE.sgxV3(PCK).mrSignerSeam("00".repeat(48))).hasMessageContaining("mrsignerseam");
    assertThatThrownBy(() -> FAKE.tdxV4(PCK).mrEnclave("00".repeat(32))).hasMessageContaining("mrenclave");
    assertThatThrownBy(() -> FAKE.tdxV4(PCK).teeTcbSvn(1, 2, 3)).hasMessageContaining("16 SVNs");
    assertThatThrownBy(() -> FAKE.pck().fmspc("00")).hasMessageContaining("pck.fmspc");
    assertThatThrownBy(() -> level(TD_RELAUNCH_ADVISED)).hasMessageContaining("never a level");
    assertThatThrownBy(() -> FAKE.qeIdentity(Tee.TDX).level(1, SW_HARDENING_NEEDED)).hasMessageContaining("UpToDate, OutOfDate or Revoked");
    assertThatThrownBy(() -> FAKE.tcbInfo(Tee.SGX, PCK).moduleIdentity(tdx01())).hasMessageContaining("tdxModuleIdentities");
  }

  // ------------------------------------------------------------------ revocation

  @Test
  void aRevokedPckIsRefused() throws Exception {
    Pck other = FAKE.pck().fmspc(FMSPC).components(all(5)).pceSvn(13).issue();
    X509CRL crl = FAKE.crl(Issuer.PCK_CA).revoke(PCK.serial()).build();
    var collateral = FAKE.collateral(tdxInfo(UP_TO_DATE).sign(), qeInfo(Tee.TDX).sign(), rootCrl(), crl);
    refused(() -> verifier().verify(tdxQuote().build(), collateral), "quote.pck_cert", PCK.serial().toString(16));
    // The same CRL does not touch another PCK of the same CA.
    assertThat(verifier().verify(FAKE.tdxV4(other).teeTcbSvn(tee(3, 1, 5)).qeIsvSvn(8).build(), collateral).tcb().status()).isEqualTo(UP_TO_DATE);
  }

  @Test
  void aRevokedPckCaIsRefusedByName() throws Exception {
    X509CRL crl = FAKE.crl(Issuer.ROOT).revoke(FAKE.pckCa().getSerialNumber()).build();
    var collateral = FAKE.collateral(tdxInfo(UP_TO_DATE).sign(), qeInfo(Tee.TDX).sign(), crl, pckCrl());
    refused(() -> verifier().verify(tdxQuote().build(), collateral), "collateral.root_ca_crl", FakeDcapPlatform.PCK_CA_CN);
  }

  @Test
  void aRevokedTcbSigningCertificateIsRefusedByName() throws Exception {
    X509CRL crl = FAKE.crl(Issuer.ROOT).revoke(FAKE.tcbSigning().getSerialNumber()).build();
    var collateral = FAKE.collateral(tdxInfo(UP_TO_DATE).sign(), qeInfo(Tee.TDX).sign(), crl, pckCrl());
    refused(() -> verifier().verify(tdxQuote().build(), collateral), "collateral.root_ca_crl", FakeDcapPlatform.TCB_SIGNING_CN);
  }

  @Test
  void crlsFromTheWrongIssuerAreRefused() throws Exception {
    byte[] quote = tdxQuote().build();
    var tcb = tdxInfo(UP_TO_DATE).sign();
    var qe = qeInfo(Tee.TDX).sign();
    // The root's CRL given as the PCK CRL: Intel compares the CRL issuer with the PCK's issuer.
    refused(() -> verifier().verify(quote, FAKE.collateral(tcb, qe, rootCrl(), FAKE.crl(Issuer.ROOT).build())), "collateral.pck_crl.issuer", FakeDcapPlatform.PCK_CA_CN);
    // Right names, wrong keys.
    refused(() -> verifier().verify(quote, FAKE.collateral(tcb, qe, rootCrl(), FAKE.crl(Issuer.PCK_CA).signedBy(Issuer.ROOT).build())), "collateral.pck_crl", "not signed");
    refused(() -> verifier().verify(quote, FAKE.collateral(tcb, qe, FAKE.crl(Issuer.ROOT).signedBy(Issuer.PCK_CA).build(), pckCrl())), "collateral.root_ca_crl", "not signed");
    // Another fake platform's root has the same name and another key.
    X509CRL foreign = FakeDcapPlatform.builder().seed(99).build().crl(Issuer.ROOT).build();
    refused(() -> verifier().verify(quote, FAKE.collateral(tcb, qe, foreign, pckCrl())), "collateral.root_ca_crl", "not signed");
  }

  @Test
  void crlsAreCheckedAsIntelsPckCrlVerifierDoes() throws Exception {
    byte[] quote = tdxQuote().build();
    var tcb = tdxInfo(UP_TO_DATE).sign();
    var qe = qeInfo(Tee.TDX).sign();
    // The PCK CA's CRL given as the root CA CRL: refused by its issuer's name before any key is tried.
    refused(() -> verifier().verify(quote, FAKE.collateral(tcb, qe, pckCrl(), pckCrl())), "collateral.root_ca_crl.issuer",
        "is '" + FAKE.pckCa().getSubjectX500Principal().getName() + "', not '" + FAKE.root().getSubjectX500Principal().getName() + "'");
    // CRL_REQUIRED_EXTENSIONS: CRL Number and Authority Key Identifier, which every Intel CRL carries.
    refused(() -> verifier().verify(quote, FAKE.collateral(tcb, qe, FAKE.crl(Issuer.ROOT).withoutExtensions().build(), pckCrl())),
        "collateral.root_ca_crl.extensions", "no CRL Number extension");
    refused(() -> verifier().verify(quote, FAKE.collateral(tcb, qe, rootCrl(), FAKE.crl(Issuer.PCK_CA).withoutExtensions().build())),
        "collateral.pck_crl.extensions", "no CRL Number extension");
  }

  @Test
  void crlsOutsideTheirWindowAreRefused() throws Exception {
    byte[] quote = tdxQuote().build();
    var tcb = tdxInfo(UP_TO_DATE).sign();
    var qe = qeInfo(Tee.TDX).sign();
    X509CRL expired = FAKE.crl(Issuer.PCK_CA).window(ISSUED, NOW.instant().minusSeconds(1)).build();
    refused(() -> verifier().verify(quote, FAKE.collateral(tcb, qe, rootCrl(), expired)), "collateral.pck_crl.next_update", "expired");
    X509CRL early = FAKE.crl(Issuer.ROOT).window(NOW.instant().plusSeconds(1), TCB_NEXT).build();
    refused(() -> verifier().verify(quote, FAKE.collateral(tcb, qe, early, pckCrl())), "collateral.root_ca_crl.issue_date", "after the verification time");
    // At the edges of the window the CRL is valid.
    X509CRL edge = FAKE.crl(Issuer.PCK_CA).window(ISSUED, NOW.instant()).build();
    assertThat(verifier().verify(quote, FAKE.collateral(tcb, qe, rootCrl(), edge)).tcb().status()).isEqualTo(UP_TO_DATE);
  }

  // ------------------------------------------------------------------ convergence (TdxModuleCheck, TcbLevelCheck)

  /** Intel's rule, for the TDX module and for the QE alike: an OutOfDate one lowers a current platform. */
  static Stream<Arguments> outOfDateConvergence() {
    return Stream.of(
        Arguments.of(UP_TO_DATE, OUT_OF_DATE),
        Arguments.of(SW_HARDENING_NEEDED, OUT_OF_DATE),
        Arguments.of(CONFIGURATION_NEEDED, OUT_OF_DATE_CONFIGURATION_NEEDED),
        Arguments.of(CONFIGURATION_AND_SW_HARDENING_NEEDED, OUT_OF_DATE_CONFIGURATION_NEEDED),
        Arguments.of(OUT_OF_DATE, OUT_OF_DATE),
        Arguments.of(OUT_OF_DATE_CONFIGURATION_NEEDED, OUT_OF_DATE_CONFIGURATION_NEEDED),
        Arguments.of(REVOKED, REVOKED));
  }

  @ParameterizedTest(name = "platform {0} + module OutOfDate -> {1}")
  @MethodSource("outOfDateConvergence")
  void anOutOfDateModuleConverges(TcbStatus platform, TcbStatus expected) throws Exception {
    TcbVerdict v = verify(tdxQuote().teeTcbSvn(tee(1, 1, 5)).build(), platform, "INTEL-SA-00010");
    assertThat(v.status()).isEqualTo(expected);
    assertThat(v.platformStatus()).isEqualTo(platform);
    assertThat(v.moduleStatus()).contains(OUT_OF_DATE);
    assertThat(v.qeStatus()).isEqualTo(UP_TO_DATE);
    assertThat(v.advisoryIds()).containsExactly("INTEL-SA-00010", SA_MODULE_OLD);
  }

  @ParameterizedTest(name = "platform {0} + QE OutOfDate -> {1}")
  @MethodSource("outOfDateConvergence")
  void anOutOfDateQeConverges(TcbStatus platform, TcbStatus expected) throws Exception {
    TcbVerdict v = verify(tdxQuote().qeIsvSvn(6).build(), platform, "INTEL-SA-00010");
    assertThat(v.status()).isEqualTo(expected);
    assertThat(v.moduleStatus()).contains(UP_TO_DATE);
    assertThat(v.qeStatus()).isEqualTo(OUT_OF_DATE);
    assertThat(v.advisoryIds()).containsExactly("INTEL-SA-00010", SA_QE_OLD);
  }

  @ParameterizedTest(name = "SGX platform {0} + QE OutOfDate -> {1}")
  @MethodSource("outOfDateConvergence")
  void anOutOfDateQeConvergesForSgx(TcbStatus platform, TcbStatus expected) throws Exception {
    TcbVerdict v = verify(FAKE.sgxV3(PCK).qeIsvSvn(6).build(), sgxInfo(platform, "INTEL-SA-00010"), qeInfo(Tee.SGX));
    assertThat(v.status()).isEqualTo(expected);
    assertThat(v.qeStatus()).isEqualTo(OUT_OF_DATE);
    assertThat(v.moduleStatus()).isEmpty();
    assertThat(v.advisoryIds()).containsExactly("INTEL-SA-00010", SA_QE_OLD);
  }

  @ParameterizedTest(name = "platform {0} + revoked module or QE -> Revoked")
  @MethodSource("outOfDateConvergence")
  void aRevokedModuleOrQeRevokes(TcbStatus platform, TcbStatus ignored) throws Exception {
    TcbVerdict module = verify(tdxQuote().teeTcbSvn(tee(0, 1, 5)).build(), platform);
    assertThat(module.status()).isEqualTo(REVOKED);
    assertThat(module.moduleStatus()).contains(REVOKED);
    assertThat(module.advisoryIds()).containsExactly(SA_MODULE_REVOKED);
    TcbVerdict qe = verify(tdxQuote().qeIsvSvn(4).build(), platform);
    assertThat(qe.status()).isEqualTo(REVOKED);
    assertThat(qe.qeStatus()).isEqualTo(REVOKED);
    assertThat(qe.advisoryIds()).containsExactly(SA_QE_REVOKED);
  }

  @Test
  void currentModuleAndQeLeaveThePlatformStatusAlone() throws Exception {
    for (TcbStatus s : List.of(SW_HARDENING_NEEDED, CONFIGURATION_NEEDED, CONFIGURATION_AND_SW_HARDENING_NEEDED, OUT_OF_DATE, OUT_OF_DATE_CONFIGURATION_NEEDED, REVOKED)) {
      assertThat(verify(tdxQuote().build(), s).status()).as("platform %s", s).isEqualTo(s);
    }
  }

  @Test
  void advisoriesMergePlatformModuleAndQeInOrderWithoutDuplicates() throws Exception {
    var info = FAKE.tcbInfo(Tee.TDX, PCK).window(ISSUED, TCB_NEXT)
        .level(level(SW_HARDENING_NEEDED).sgx(all(5)).pceSvn(13).tdx(tee(0, 0, 5)).advisories("INTEL-SA-00A", "INTEL-SA-00B"))
        .moduleIdentity(moduleIdentity(1).level(3, UP_TO_DATE).level(1, OUT_OF_DATE, "INTEL-SA-00B", "INTEL-SA-00M"));
    var qe = FAKE.qeIdentity(Tee.TDX).window(ISSUED, QE_NEXT).level(8, UP_TO_DATE).level(6, OUT_OF_DATE, "INTEL-SA-00Q", "INTEL-SA-00A");
    TcbVerdict v = verify(tdxQuote().teeTcbSvn(tee(1, 1, 5)).qeIsvSvn(6).build(), info, qe);
    assertThat(v.status()).isEqualTo(OUT_OF_DATE);
    assertThat(v.platformStatus()).isEqualTo(SW_HARDENING_NEEDED);
    assertThat(v.moduleStatus()).contains(OUT_OF_DATE);
    assertThat(v.qeStatus()).isEqualTo(OUT_OF_DATE);
    assertThat(v.advisoryIds()).containsExactly("INTEL-SA-00A", "INTEL-SA-00B", "INTEL-SA-00M", "INTEL-SA-00Q");
  }

  // ------------------------------------------------------------------ level matching (matchTcbLevels)

  @Test
  void levelOrderInTheJsonDoesNotMatter() throws Exception {
    List<DcapIssuer.TcbLevel> levels = List.of(
        level(UP_TO_DATE).sgx(all(5)).pceSvn(13).tdx(tee(0, 0, 5)),
        level(SW_HARDENING_NEEDED).sgx(all(5)).pceSvn(13).tdx(tee(0, 0, 4)).advisories("INTEL-SA-00S"),
        level(CONFIGURATION_NEEDED).sgx(all(5)).pceSvn(12).tdx(tee(0, 0, 5)).advisories("INTEL-SA-00C"),
        level(OUT_OF_DATE).sgx(all(4)).pceSvn(11).tdx(tee(0, 0, 3)).advisories(SA_PLATFORM_OLD));
    // TDX components 4: the newest level needs 5, the SWHardeningNeeded one is the first that matches.
    byte[] quote = tdxQuote().teeTcbSvn(tee(1, 1, 4)).build();
    Random r = new Random(31);
    for (int i = 0; i < 8; i++) {
      List<DcapIssuer.TcbLevel> shuffled = new ArrayList<>(levels);
      Collections.shuffle(shuffled, r);
      DcapIssuer.ModuleIdentity module = moduleIdentity(1);
      List<int[]> moduleLevels = new ArrayList<>(List.of(new int[] {3, 0}, new int[] {1, 1}, new int[] {0, 2}));
      Collections.shuffle(moduleLevels, r);
      for (int[] m : moduleLevels) {
        module.level(m[0], List.of(UP_TO_DATE, OUT_OF_DATE, REVOKED).get(m[1]), m[1] == 1 ? SA_MODULE_OLD : "INTEL-SA-00X" + m[1]);
      }
      var info = FAKE.tcbInfo(Tee.TDX, PCK).window(ISSUED, TCB_NEXT).levels(shuffled).moduleIdentity(module);
      TcbVerdict v = verify(quote, info, qeInfo(Tee.TDX));
      assertThat(v.platformStatus()).as("shuffle %d", i).isEqualTo(SW_HARDENING_NEEDED);
      assertThat(v.moduleStatus()).as("shuffle %d", i).contains(OUT_OF_DATE);
      assertThat(v.status()).as("shuffle %d", i).isEqualTo(OUT_OF_DATE);
      assertThat(v.advisoryIds()).as("shuffle %d", i).containsExactly("INTEL-SA-00S", SA_MODULE_OLD);
    }
  }

  @Test
  void aPceSvnBelowEveryLevelMatchesNone() throws Exception {
    Pck old = FAKE.pck().fmspc(FMSPC).components(all(5)).pceSvn(10).issue();
    refused(() -> verify(FAKE.tdxV4(old).teeTcbSvn(tee(3, 1, 5)).qeIsvSvn(8).build(), UP_TO_DATE), "tcb_info.tcbLevels", "PCK TCB");
  }

  @Test
  void oneSgxComponentBelowEveryLevelMatchesNone() throws Exception {
    int[] comps = all(5);
    comps[7] = 3; // every other component would earn the newest level
    Pck old = FAKE.pck().fmspc(FMSPC).components(comps).pceSvn(13).issue();
    refused(() -> verify(FAKE.tdxV4(old).teeTcbSvn(tee(3, 1, 5)).qeIsvSvn(8).build(), UP_TO_DATE), "tcb_info.tcbLevels", "PCK TCB");
  }

  @Test
  void withoutAModuleVersionTdxComponentsZeroAndOneAreMatchedToo() throws Exception {
    // TEE_TCB_SVN[1] = 0: isTdxTcbHigherOrEqual starts at index 0, and the module is judged by the base tdxModule.
    var info = FAKE.tcbInfo(Tee.TDX, PCK).window(ISSUED, TCB_NEXT)
        .level(level(UP_TO_DATE).sgx(all(5)).pceSvn(13).tdx(tee(3, 0, 5)))
        .level(level(OUT_OF_DATE).sgx(all(4)).pceSvn(11).tdx(tee(3, 0, 4)));
    refused(() -> verify(tdxQuote().teeTcbSvn(tee(2, 0, 5)).build(), info, qeInfo(Tee.TDX)), "tcb_info.tcbLevels", "TEE_TCB_SVN");
    TcbVerdict v = verify(tdxQuote().teeTcbSvn(tee(3, 0, 5)).build(), info, qeInfo(Tee.TDX));
    assertThat(v.status()).isEqualTo(UP_TO_DATE);
    assertThat(v.moduleStatus()).contains(UP_TO_DATE);
  }

  @Test
  void withAModuleVersionTdxComponentsZeroAndOneAreIgnored() throws Exception {
    // TEE_TCB_SVN[1] > 0: bytes 0 and 1 are the module's, judged by its identity, not by the TCB level.
    var info = FAKE.tcbInfo(Tee.TDX, PCK).window(ISSUED, TCB_NEXT)
        .level(level(UP_TO_DATE).sgx(all(5)).pceSvn(13).tdx(tee(9, 9, 5)))
        .moduleIdentity(tdx01());
    TcbVerdict v = verify(tdxQuote().teeTcbSvn(tee(3, 1, 5)).build(), info, qeInfo(Tee.TDX));
    assertThat(v.status()).isEqualTo(UP_TO_DATE);
    assertThat(v.platformStatus()).isEqualTo(UP_TO_DATE);
  }

  @Test
  void aTdxComponentBelowEveryLevelMatchesNone() throws Exception {
    int[] svn = tee(3, 1, 5);
    svn[9] = 3; // below the oldest level's 4
    refused(() -> verify(tdxQuote().teeTcbSvn(svn).build(), UP_TO_DATE), "tcb_info.tcbLevels", "TEE_TCB_SVN");
  }

  // ------------------------------------------------------------------ TDX module identity (QuoteVerifier, TdxModuleCheck)

  @Test
  void aModuleVersionWithoutIdentityIsAMismatch() throws Exception {
    refused(() -> verify(tdxQuote().teeTcbSvn(tee(3, 2, 5)).build(), UP_TO_DATE), "tcb_info.tdxModuleIdentities", "TDX module mismatch");
  }

  @Test
  void aModuleIsvSvnBelowEveryModuleLevelIsNotSupported() throws Exception {
    var info = tdxInfo(UP_TO_DATE);
    var strict = FAKE.tcbInfo(Tee.TDX, PCK).window(ISSUED, TCB_NEXT).level(level(UP_TO_DATE).sgx(all(5)).pceSvn(13).tdx(tee(0, 0, 5)))
        .moduleIdentity(moduleIdentity(1).level(3, UP_TO_DATE));
    assertThat(verify(tdxQuote().build(), info, qeInfo(Tee.TDX)).status()).isEqualTo(UP_TO_DATE);
    refused(() -> verify(tdxQuote().teeTcbSvn(tee(2, 1, 5)).build(), strict, qeInfo(Tee.TDX)), "tcb_info.tdxModuleIdentities.TDX_01.tcbLevels", "not supported");
  }

  @Test
  void aWrongMrSignerSeamIsRefused() throws Exception {
    String other = "ab".repeat(48);
    // Against the module identity (TEE_TCB_SVN[1] = 1) and against the base module (TEE_TCB_SVN[1] = 0).
    refused(() -> verify(tdxQuote().mrSignerSeam(other).build(), UP_TO_DATE), "quote.td_report.mrsignerseam", "not the TDX module signer");
    refused(() -> verify(tdxQuote().teeTcbSvn(tee(0, 0, 5)).mrSignerSeam(other).build(), UP_TO_DATE), "quote.td_report.mrsignerseam", "not the TDX module signer");
    // The identity's MRSIGNER, not the base module's, applies to a versioned module.
    var info = FAKE.tcbInfo(Tee.TDX, PCK).window(ISSUED, TCB_NEXT).level(level(UP_TO_DATE).sgx(all(5)).pceSvn(13).tdx(tee(0, 0, 5)))
        .moduleIdentity(moduleIdentity(1).mrsigner(other).level(3, UP_TO_DATE));
    assertThat(verify(tdxQuote().mrSignerSeam(other).build(), info, qeInfo(Tee.TDX)).status()).isEqualTo(UP_TO_DATE);
    refused(() -> verify(tdxQuote().build(), info, qeInfo(Tee.TDX)), "quote.td_report.mrsignerseam", "not the TDX module signer");
  }

  @Test
  void wrongSeamAttributesAreRefused() throws Exception {
    refused(() -> verify(tdxQuote().seamAttributes("0100000000000000").build(), UP_TO_DATE), "quote.td_report.seam_attributes",
        "are 0100000000000000; Intel requires them zero");
  }

  @Test
  void seamAttributesAreComparedWithoutTheMaskAndMustBeZero() throws Exception {
    // Intel's QuoteVerifier 4.1.2.4.11.2: byte for byte, no mask, and zero. A mask that ignores every bit,
    // as dcap-qvl and a masked comparison would honour, does not let non-zero SEAMATTRIBUTES through.
    var unmasked = FAKE.tcbInfo(Tee.TDX, PCK).window(ISSUED, TCB_NEXT).level(level(UP_TO_DATE).sgx(all(5)).pceSvn(13).tdx(tee(0, 0, 5)))
        .moduleIdentity(moduleIdentity(1).attributes("0100000000000000", "0000000000000000").level(3, UP_TO_DATE));
    refused(() -> verify(tdxQuote().seamAttributes("0100000000000000").build(), unmasked, qeInfo(Tee.TDX)), "quote.td_report.seam_attributes",
        "are 0100000000000000; Intel requires them zero");
    // Zero SEAMATTRIBUTES against non-zero listed attributes: not equal, so a TDX module mismatch, whatever the mask.
    refused(() -> verify(tdxQuote().build(), unmasked, qeInfo(Tee.TDX)), "tcb_info.tdxModuleIdentities.TDX_01.attributes",
        "Intel lists 0100000000000000 for the TDX module");
    // The base module (TEE_TCB_SVN[1] = 0) is held to the same rule.
    var base = FAKE.tcbInfo(Tee.TDX, PCK).window(ISSUED, TCB_NEXT).level(level(UP_TO_DATE).sgx(all(5)).pceSvn(13).tdx(tee(0, 0, 5)))
        .tdxModule(DcapIssuer.DEFAULT_MRSIGNERSEAM, "0000000000000080", "0000000000000000");
    refused(() -> verify(tdxQuote().teeTcbSvn(tee(0, 0, 5)).build(), base, qeInfo(Tee.TDX)), "tcb_info.tdxModule.attributes",
        "Intel lists 0000000000000080 for the TDX module");
  }

  // ------------------------------------------------------------------ QE identity (EnclaveReportVerifier)

  @Test
  void aQeIsvSvnBelowEveryLevelIsRefused() throws Exception {
    refused(() -> verify(tdxQuote().qeIsvSvn(3).build(), UP_TO_DATE), "quote.qe_report.isvsvn", "below every level");
  }

  @Test
  void aForeignQuotingEnclaveIsRefused() throws Exception {
    refused(() -> verify(tdxQuote().qeMrSigner("ee".repeat(32)).build(), UP_TO_DATE), "quote.qe_report.mrsigner", "not Intel's quoting enclave");
    refused(() -> verify(tdxQuote().qeIsvProdId(DcapIssuer.SGX_QE_PRODID).build(), UP_TO_DATE), "quote.qe_report.isvprodid", "QE identity says 2");
  }

  // ------------------------------------------------------------------ TD relaunch (TDRelaunchCheck, TD report 1.5)

  static DcapIssuer.QuoteBuilder td15(int[] svn, int[] svn2) {
    return FAKE.tdxV5(PCK).teeTcbSvn(svn).teeTcbSvn2(svn2).qeIsvSvn(8);
  }

  @Test
  void aTd15QuoteWhoseRelaunchReachesTheNewestLevelIsAdvisedToRelaunch() throws Exception {
    // Module ISVSVN 1 is OutOfDate; a relaunched TD would run ISVSVN 3 (TDX_01's newest) on components 5 (the newest level's).
    TcbVerdict v = verify(td15(tee(1, 1, 5), tee(3, 1, 5)).build(), UP_TO_DATE);
    assertThat(v.status()).isEqualTo(TD_RELAUNCH_ADVISED);
    assertThat(v.platformStatus()).isEqualTo(UP_TO_DATE);
    assertThat(v.moduleStatus()).contains(OUT_OF_DATE);
    assertThat(v.advisoryIds()).containsExactly(SA_MODULE_OLD);
    // With configuration needed on the platform, the relaunch status says so.
    assertThat(verify(td15(tee(1, 1, 5), tee(3, 1, 5)).build(), CONFIGURATION_NEEDED).status()).isEqualTo(TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED);
    assertThat(verify(td15(tee(1, 1, 5), tee(3, 1, 5)).build(), SW_HARDENING_NEEDED).status()).isEqualTo(TD_RELAUNCH_ADVISED);
    // Both the TDX components and the module behind: the TDX level is the older one, and relaunch still helps.
    TcbVerdict behind = verify(td15(tee(1, 1, 4), tee(3, 1, 5)).build(), UP_TO_DATE);
    assertThat(behind.platformStatus()).isEqualTo(OUT_OF_DATE);
    assertThat(behind.status()).isEqualTo(TD_RELAUNCH_ADVISED);
    assertThat(behind.advisoryIds()).containsExactly(SA_PLATFORM_OLD, SA_MODULE_OLD);
  }

  @Test
  void noRelaunchAdviceWhenTheQeIsOutOfDateOrRevoked() throws Exception {
    TcbVerdict v = verify(td15(tee(1, 1, 5), tee(3, 1, 5)).qeIsvSvn(6).build(), UP_TO_DATE);
    assertThat(v.status()).isEqualTo(OUT_OF_DATE);
    assertThat(v.advisoryIds()).containsExactly(SA_MODULE_OLD, SA_QE_OLD);
    assertThat(verify(td15(tee(1, 1, 5), tee(3, 1, 5)).qeIsvSvn(4).build(), UP_TO_DATE).status()).isEqualTo(REVOKED);
  }

  @Test
  void noRelaunchAdviceWhenARelaunchWouldNotHelp() throws Exception {
    // TEE_TCB_SVN2 short of TDX_01's newest ISVSVN, or of the newest level's component 2.
    assertThat(verify(td15(tee(1, 1, 5), tee(2, 1, 5)).build(), UP_TO_DATE).status()).isEqualTo(OUT_OF_DATE);
    assertThat(verify(td15(tee(1, 1, 5), tee(3, 1, 4)).build(), UP_TO_DATE).status()).isEqualTo(OUT_OF_DATE);
    // The module is current and only the TDX components are behind: Intel advises no relaunch.
    assertThat(verify(td15(tee(3, 1, 4), tee(3, 1, 5)).build(), UP_TO_DATE).status()).isEqualTo(OUT_OF_DATE);
    // A TD report 1.0 carries no TEE_TCB_SVN2: the same SVNs in a v4 quote are plainly OutOfDate.
    assertThat(verify(tdxQuote().teeTcbSvn(tee(1, 1, 5)).build(), UP_TO_DATE).status()).isEqualTo(OUT_OF_DATE);
    // Revoked stays revoked.
    assertThat(verify(td15(tee(0, 1, 5), tee(3, 1, 5)).build(), UP_TO_DATE).status()).isEqualTo(REVOKED);
  }

  @Test
  void relaunchWithoutAModuleVersionComparesComponentZero() throws Exception {
    // TEE_TCB_SVN2[1] = 0: the relaunched module SVN is checked against the newest level's TDX component 0.
    var info = FAKE.tcbInfo(Tee.TDX, PCK).window(ISSUED, TCB_NEXT)
        .level(level(UP_TO_DATE).sgx(all(5)).pceSvn(13).tdx(tee(2, 0, 5)))
        .moduleIdentity(tdx01());
    assertThat(verify(td15(tee(1, 1, 5), tee(2, 0, 5)).build(), info, qeInfo(Tee.TDX)).status()).isEqualTo(TD_RELAUNCH_ADVISED);
    assertThat(verify(td15(tee(1, 1, 5), tee(1, 0, 5)).build(), info, qeInfo(Tee.TDX)).status()).isEqualTo(OUT_OF_DATE);
  }

  @Test
  void theSgxLevelsConfigurationNeedCarriesIntoTheRelaunchStatus() throws Exception {
    // TDX components behind: the TDX level is the older OutOfDate one, the SGX level the newest (ConfigurationNeeded).
    // checkForRelaunch asks isConfigurationNeeded of the SGX status as well as the TDX one.
    TcbVerdict v = verify(td15(tee(1, 1, 4), tee(3, 1, 5)).build(), CONFIGURATION_NEEDED);
    assertThat(v.platformStatus()).isEqualTo(OUT_OF_DATE);
    assertThat(v.status()).isEqualTo(TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED);
  }

  @Test
  void noRelaunchAdviceWhenTheSgxTcbIsItselfOutOfDate() throws Exception {
    // A PCK certified for the older SGX TCB: relaunching a TD cannot fix the platform's SGX components.
    Pck old = FAKE.pck().fmspc(FMSPC).components(all(4)).pceSvn(11).issue();
    TcbVerdict v = verify(FAKE.tdxV5(old).teeTcbSvn(tee(1, 1, 5)).teeTcbSvn2(tee(3, 1, 5)).qeIsvSvn(8).build(), UP_TO_DATE);
    assertThat(v.platformStatus()).isEqualTo(OUT_OF_DATE);
    assertThat(v.status()).isEqualTo(OUT_OF_DATE);
  }

  @Test
  void relaunchToAnUnknownModuleVersionIsAMismatch() throws Exception {
    refused(() -> verify(td15(tee(1, 1, 5), tee(3, 2, 5)).build(), UP_TO_DATE), "tcb_info.tdxModuleIdentities", "TDX module mismatch");
  }

  // ------------------------------------------------------------------ SGX

  static DcapIssuer.TcbInfoBuilder sgxInfo(TcbStatus newest, String... advisories) {
    return FAKE.tcbInfo(Tee.SGX, PCK).window(ISSUED, TCB_NEXT)
        .level(level(newest).sgx(all(5)).pceSvn(13).advisories(advisories))
        .level(level(OUT_OF_DATE).sgx(all(4)).pceSvn(11).advisories(SA_PLATFORM_OLD));
  }

  @Test
  void anSgxQuoteNeedingSoftwareHardeningReportsItsAdvisories() throws Exception {
    TcbVerdict v = verify(FAKE.sgxV3(PCK).qeIsvSvn(8).build(), sgxInfo(SW_HARDENING_NEEDED, "INTEL-SA-00615", "INTEL-SA-00657"), qeInfo(Tee.SGX));
    assertThat(v.status()).isEqualTo(SW_HARDENING_NEEDED);
    assertThat(v.platformStatus()).isEqualTo(SW_HARDENING_NEEDED);
    assertThat(v.moduleStatus()).isEmpty();
    assertThat(v.advisoryIds()).containsExactly("INTEL-SA-00615", "INTEL-SA-00657");
    // A PCK issued for the older TCB matches the older level.
    Pck old = FAKE.pck().fmspc(FMSPC).components(all(4)).pceSvn(12).issue();
    TcbVerdict o = verify(FAKE.sgxV3(old).qeIsvSvn(8).build(), sgxInfo(SW_HARDENING_NEEDED, "INTEL-SA-00615"), qeInfo(Tee.SGX));
    assertThat(o.status()).isEqualTo(OUT_OF_DATE);
    assertThat(o.advisoryIds()).containsExactly(SA_PLATFORM_OLD);
  }

  @Test
  void tdxQeIdentityIsRefusedForAnSgxQuote() throws Exception {
    refused(() -> verify(FAKE.sgxV3(PCK).qeIsvSvn(8).build(), sgxInfo(UP_TO_DATE), qeInfo(Tee.TDX)), "qe_identity.id", "needs QE");
  }

  // ------------------------------------------------------------------ out of every default trust path

  @Test
  void theDefaultTrustPathPinsIntelsRootAndRefusesTheFake() throws Exception {
    // The pinned root is the Intel SGX Root CA as upstream ships it (dcap-qvl@9bffe30 src/TrustedRootCA.der).
    assertThat(DcapVerifier.intelRoot().getEncoded()).isEqualTo(Vectors.read("dcap-qvl/src/TrustedRootCA.der"));
    String fakeRoot = "'" + FAKE.root().getSubjectX500Principal().getName() + "' is not a trusted Intel root";
    // The fake's quote: refused at its PCK chain's root by both default entry points.
    byte[] quote = tdxQuote().build();
    refusedExactly(() -> DcapVerifier.verify(quote, NOW), "quote.pck_cert_chain.root", fakeRoot);
    // The fake's TCB info and QE identity with Intel's real CRLs, for a real quote at dcap-qvl's time
    // (tests/verify_quote.rs): the CRLs verify, and the fake's TCB Signing chain is refused at its root.
    Clock qvlTime = Clock.fixed(Instant.ofEpochSecond(1752919234), ZoneOffset.UTC);
    IntelCollateral real = IntelCollateral.fromDcapQvlJson(Vectors.read("dcap-qvl/sample/tdx_quote_collateral.json"));
    IntelCollateral fake = FAKE.collateral(tdxInfo(UP_TO_DATE).sign(), qeInfo(Tee.TDX).sign(), real.rootCaCrl().orElseThrow(), real.pckCrl().orElseThrow());
    refusedExactly(() -> CollateralVerifier.intel(qvlTime).verify(Vectors.read("dcap-qvl/sample/tdx_quote"), fake), "collateral.tcb_info_issuer_chain.root", fakeRoot);
  }

  static void refusedExactly(ThrowingCallable call, String field, String detail) {
    assertThatThrownBy(call).isInstanceOfSatisfying(VerificationException.class, e -> {
      assertThat(e.field()).isEqualTo(field);
      assertThat(e.detail()).isEqualTo(detail);
    });
  }

  // ------------------------------------------------------------------ helpers

  static byte[] filled(int n, int b) {
    byte[] a = new byte[n];
    Arrays.fill(a, (byte) b);
    return a;
  }

  static byte[] bytes(int[] svns) {
    byte[] b = new byte[svns.length];
    for (int i = 0; i < svns.length; i++) {
      b[i] = (byte) svns[i];
    }
    return b;
  }
}
