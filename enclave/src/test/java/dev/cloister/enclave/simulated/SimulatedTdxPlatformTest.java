package dev.cloister.enclave.simulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.tcb.PckExtensions;
import dev.cloister.attestation.tee.Context;
import dev.cloister.attestation.tee.Evidence;
import dev.cloister.attestation.tee.TeeFamilies;
import dev.cloister.attestation.tee.TeeFamily;
import dev.cloister.attestation.tee.Verdict;
import dev.cloister.enclave.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulated TDX platform's quotes go through the TDX family's real path (DCAP quote
 * verification, Intel's collateral checks, the TDX appraisal), which accepts them only when the
 * caller passes the simulated root and allows simulation, and then says {@code platform: simulated}.
 */
class SimulatedTdxPlatformTest {
  static final TeeFamily TDX = TeeFamilies.named("tdx").orElseThrow();
  static final Octets MEASUREMENT = Octets.fromHex("ab".repeat(48));
  static final Octets CONTRACT = Octets.fromHex("cd".repeat(32));
  @TempDir static Path shared;
  static Path dir;
  static SimulatedTdxPlatform platform;

  @BeforeAll
  static void createOnce() throws Exception {
    dir = shared.resolve("tdx");
    platform = SimulatedTdxPlatform.openOrCreate(dir, Clock.systemUTC());
  }

  static Evidence evidence(Platform p, byte[] reportData) throws Exception {
    return new Evidence.Json(p.evidence(reportData));
  }

  static Context trusting(boolean allowSimulated) throws Exception {
    Context.SimulatedIntel s = SimulatedTdxPlatform.trustIn(dir);
    return Context.builder().simulatedIntel(s.root(), s.collateral()).allowSimulated(allowSimulated).build();
  }

  @Test
  void theQuoteIsAVersion4TdxQuoteWithItsPckChainInCertificationDataType5() throws Exception {
    byte[] reportData = new byte[64];
    reportData[0] = 7;
    JsonNode json = platform.launched(MEASUREMENT, CONTRACT).evidence(reportData);
    DcapQuote q = DcapQuote.parse(Base64.getDecoder().decode(json.get("quote").asText()));
    assertThat(q.version()).isEqualTo(4);
    assertThat(q.tdx()).isTrue();
    assertThat(q.pckChain()).hasSize(3);
    assertThat(q.pckChain().getLast().getSubjectX500Principal().getName()).contains("SIMULATED");
    assertThat(q.tdReport().mrTd()).isEqualTo(MEASUREMENT);
    assertThat(q.tdReport().mrConfigId().hex()).isEqualTo("cd".repeat(32) + "00".repeat(16));
    assertThat(q.tdReport().reportData().toByteArray()).isEqualTo(reportData);
    assertThat(PckExtensions.of(q.pckChain().getFirst()).fmspc().hex()).isEqualTo(SimulatedTdxPlatform.FMSPC);
  }

  @Test
  void acceptedWithItsRootAndSimulationAllowedAndLabelledSimulated() throws Exception {
    byte[] reportData = new byte[64];
    Verdict v = TDX.evaluate(evidence(platform.launched(MEASUREMENT, CONTRACT), reportData), trusting(true));
    assertThat(v.status()).as(v.reason().orElse("")).isEqualTo(TrustTier.AFFIRMING);
    assertThat(v.claims()).containsEntry("platform", "simulated").containsEntry("mr_td", "ab".repeat(48))
        .containsEntry("mr_config_id", "cd".repeat(32) + "00".repeat(16)).containsEntry("tcb_status", "UpToDate");
    // The collateral was the simulated platform's, checked as Intel's is.
    assertThat(v.checks()).anySatisfy(c -> assertThat(c.name()).isEqualTo("collateral"));
  }

  @Test
  void refusedWithoutAllowSimulatedNamingWhy() throws Exception {
    Evidence e = evidence(platform.launched(MEASUREMENT, CONTRACT), new byte[64]);
    assertThatThrownBy(() -> TDX.evaluate(e, trusting(false))).isInstanceOfSatisfying(VerificationException.class, x -> {
      assertThat(x.field()).isEqualTo("quote.pck_cert_chain.root");
      assertThat(x.detail()).contains("SGX Root CA SIMULATED").contains("a simulated platform's root, trusted only when simulation is allowed");
    });
  }

  @Test
  void refusedByDefaultAsNotAnIntelRoot() throws Exception {
    Evidence e = evidence(platform.launched(MEASUREMENT, CONTRACT), new byte[64]);
    assertThatThrownBy(() -> TDX.evaluate(e, Context.builder().allowSimulated(true).build()))
        .isInstanceOfSatisfying(VerificationException.class, x -> {
          assertThat(x.field()).isEqualTo("quote.pck_cert_chain.root");
          assertThat(x.detail()).contains("is not a trusted Intel root");
        });
  }

  @Test
  void refusedWhenSignedByAnotherSimulatedPlatform(@TempDir Path other) throws Exception {
    SimulatedTdxPlatform stranger = SimulatedTdxPlatform.openOrCreate(other.resolve("tdx"), Clock.systemUTC());
    assertThat(stranger.root()).isNotEqualTo(platform.root());
    Evidence e = evidence(stranger.launched(MEASUREMENT, CONTRACT), new byte[64]);
    assertThatThrownBy(() -> TDX.evaluate(e, trusting(true))).isInstanceOfSatisfying(VerificationException.class, x -> {
      assertThat(x.field()).isEqualTo("quote.pck_cert_chain.root");
      assertThat(x.detail()).contains("is not a trusted Intel root");
    });
  }

  @Test
  void aKbsSessionBindsReportData() throws Exception {
    byte[] digest = new byte[48];
    digest[0] = 1;
    byte[] reportData = java.util.Arrays.copyOf(digest, 64);
    Evidence e = evidence(platform.launched(MEASUREMENT, CONTRACT), reportData);
    assertThat(TDX.evaluate(e, trusting(true).withSessionBinding(reportData)).status()).isEqualTo(TrustTier.AFFIRMING);
    byte[] other = reportData.clone();
    other[1] = 1;
    Verdict v = TDX.evaluate(e, trusting(true).withSessionBinding(other));
    assertThat(v.status()).isNotEqualTo(TrustTier.AFFIRMING);
    assertThat(v.reason()).hasValueSatisfying(r -> assertThat(r).startsWith("report_data"));
  }

  @Test
  void stateIsKeptOnceKeysPrivate() throws Exception {
    assertThat(SimulatedTdxPlatform.openOrCreate(dir, Clock.systemUTC()).root()).isEqualTo(platform.root());
    for (String key : List.of("root.key", "pck-ca.key", "tcb-signing.key", "pck.key", "attestation.key")) {
      assertThat(Files.getPosixFilePermissions(dir.resolve(key))).as(key).isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    }
    assertThat(dir.resolve("intel-collateral/tdx-" + SimulatedTdxPlatform.FMSPC + ".json")).isRegularFile();
    // A second process's platform signs quotes the first one's root and collateral verify.
    SimulatedTdxPlatform again = SimulatedTdxPlatform.openOrCreate(dir, Clock.systemUTC());
    assertThat(TDX.evaluate(evidence(again.launched(MEASUREMENT, CONTRACT), new byte[64]), trusting(true)).status()).isEqualTo(TrustTier.AFFIRMING);
  }

  @Test
  void mrConfigIdIsTheContractDigestZeroPadded() {
    assertThat(dev.cloister.enclave.ContractBinding.mrConfigId(Octets.fromHex("01".repeat(32))).hex()).isEqualTo("01".repeat(32) + "00".repeat(16));
    assertThat(HexFormat.of().formatHex(dev.cloister.enclave.ContractBinding.mrConfigId(Octets.fromHex("02".repeat(48))).toByteArray())).isEqualTo("02".repeat(48));
  }
}
