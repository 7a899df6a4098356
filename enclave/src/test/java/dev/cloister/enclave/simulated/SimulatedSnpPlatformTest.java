package dev.cloister.enclave.simulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.snp.appraise.SnpAppraisalOptions;
import dev.cloister.attestation.snp.appraise.SnpAppraiser;
import dev.cloister.attestation.snp.verify.TrustAnchor;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.snp.abi.TcbVersion;
import dev.cloister.attestation.snp.verify.KdsCache;
import dev.cloister.attestation.snp.verify.SnpEvidence;
import dev.cloister.attestation.snp.verify.SnpVerifier;
import dev.cloister.attestation.snp.verify.VekExtensions;
import dev.cloister.attestation.snp.verify.VerifiedSnpReport;
import dev.cloister.attestation.snp.verify.VerifyOptions;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulated platform produces evidence that the real verification path accepts only when its
 * root is trusted, and that the real path rejects for every reason it rejects hardware evidence.
 */
class SimulatedSnpPlatformTest {
  static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");
  @TempDir static Path shared;
  static Path dir;
  static SimulatedSnpPlatform platform;

  @BeforeAll
  static void createOnce() throws Exception {
    dir = shared.resolve("platform");
    platform = SimulatedSnpPlatform.openOrCreate(dir, Clock.fixed(CREATED, ZoneOffset.UTC));
  }

  static VerifyOptions trusting(String at) {
    return VerifyOptions.builder().clock(Clock.fixed(Instant.parse(at), ZoneOffset.UTC)).addTrustAnchor(platform.trustAnchor()).build();
  }

  static SnpReport report() {
    return platform.report(SimulatedSnpPlatform.ReportRequest.builder()
        .measurement(Octets.fromHex("ab".repeat(48))).reportData(Octets.fromHex("cd".repeat(64))).build());
  }

  @Test
  void reloadGivesTheSameRootAndFilesAreAsDocumented() throws Exception {
    SimulatedSnpPlatform again = SimulatedSnpPlatform.openOrCreate(dir, Clock.systemUTC());
    assertThat(again.trustAnchor().ark()).isEqualTo(platform.trustAnchor().ark());
    assertThat(again.vcek()).isEqualTo(platform.vcek());
    assertThat(again.chipId()).isEqualTo(platform.chipId());
    assertThat(Files.getPosixFilePermissions(dir.resolve("vcek.key")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
    assertThat(platform.trustAnchor().ark().getSubjectX500Principal().getName()).contains("SIMULATED");
    assertThat(platform.vcek().getSerialNumber()).isEqualTo(BigInteger.ZERO);
    assertThat(platform.toString()).doesNotContain("PRIVATE");
  }

  @Test
  void concurrentFirstUseAgreesOnOneRoot(@TempDir Path tmp) throws Exception {
    Path fresh = tmp.resolve("p");
    Set<String> roots = ConcurrentHashMap.newKeySet();
    try (var pool = Executors.newFixedThreadPool(3)) {
      List<Future<?>> fs = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        fs.add(pool.submit(() -> {
          roots.add(SimulatedSnpPlatform.openOrCreate(fresh, Clock.systemUTC()).trustAnchor().ark().getSerialNumber()
              + new String(java.util.HexFormat.of().formatHex(SimulatedSnpPlatform.openOrCreate(fresh, Clock.systemUTC()).trustAnchor().ark().getPublicKey().getEncoded())));
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    }
    assertThat(roots).hasSize(1);
  }

  @Test
  void reportsAreByteExactV3AndCarryTheVcekExtensions() throws Exception {
    SnpReport r = report();
    assertThat(r.version()).isEqualTo(3);
    assertThat(SnpReport.parse(r.toByteArray())).isEqualTo(r);
    assertThat(r.productLineFromCpuid()).contains(ProductLine.MILAN);
    Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
    s.initVerify(platform.vcek().getPublicKey());
    s.update(r.signedBytes());
    assertThat(s.verify(r.signatureP1363())).isTrue();
    VekExtensions ext = VekExtensions.from(platform.vcek());
    assertThat(ext.productName()).isEqualTo("Milan-B0");
    assertThat(ext.tcb().parts(ProductLine.MILAN)).isEqualTo(SimulatedSnpPlatform.TCB.parts(ProductLine.MILAN));
    assertThat(ext.hwid()).contains(platform.chipId());
  }

  @Test
  void rejectedByDefaultAcceptedWhenTrustedAndMarkedSimulated() throws Exception {
    SnpEvidence e = new SnpEvidence(report(), Optional.of(platform.vcek()), platform.chain());
    VerifyOptions amdOnly = VerifyOptions.builder().clock(Clock.fixed(CREATED.plus(Duration.ofDays(1)), ZoneOffset.UTC)).build();
    assertThatThrownBy(() -> SnpVerifier.verify(e, amdOnly))
        .isInstanceOfSatisfying(VerificationException.class, x -> assertThat(x.field()).isEqualTo("chain.ark"));
    VerifiedSnpReport v = SnpVerifier.verify(e, trusting("2026-06-01T00:00:00Z"));
    assertThat(v.platform()).isEqualTo(PlatformKind.SIMULATED);
  }

  /**
   * The label comes from the ARK's bytes: the simulated root stays simulated even when an anchor
   * built on it claims AMD's name, and the default appraisal refuses it unless simulation is allowed.
   */
  @Test
  void aNonAmdRootIsSimulatedWhateverItIsCalledAndRefusedUnlessAllowed() throws Exception {
    TrustAnchor posing = new TrustAnchor("AMD Milan", ProductLine.MILAN, platform.trustAnchor().ark(), platform.trustAnchor().intermediates());
    assertThat(posing.platform()).isEqualTo(PlatformKind.SIMULATED);
    SnpEvidence e = SnpEvidence.of(report(), platform.vcek());
    VerifiedSnpReport v = SnpVerifier.verify(e, VerifyOptions.builder()
        .clock(Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC)).addTrustAnchor(posing).build());
    assertThat(v.platform()).isEqualTo(PlatformKind.SIMULATED);

    AttestationResult refused = SnpAppraiser.appraise(v, SnpAppraisalOptions.defaults());
    assertThat(refused.platform()).isEqualTo(PlatformKind.SIMULATED);
    assertThat(refused.checks()).filteredOn(Check::failed).extracting(Check::name, Check::detail)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("platform", "evidence is from a simulated platform and simulation is not allowed"));
    AttestationResult allowed = SnpAppraiser.appraise(v, SnpAppraisalOptions.defaults().toBuilder().allowSimulated(true).build());
    assertThat(allowed.status()).as(allowed.checks().toString()).isEqualTo(TrustTier.AFFIRMING);
    assertThat(allowed.claims()).containsEntry("platform", "simulated");
  }

  @Test
  void expiredVcekIsRejected() throws Exception {
    SnpEvidence e = SnpEvidence.of(report(), platform.vcek());
    assertThatThrownBy(() -> SnpVerifier.verify(e, trusting("2034-01-01T00:00:00Z")))
        .isInstanceOfSatisfying(VerificationException.class, x -> assertThat(x.field()).isEqualTo("vek.validity"));
  }

  @Test
  void crlRevokingTheAskIsEnforcedAndAForgedCrlIsRejected(@TempDir Path tmp) throws Exception {
    SnpEvidence e = SnpEvidence.of(report(), platform.vcek());
    Instant at = Instant.parse("2026-06-01T00:00:00Z");
    X509CRL revoking = platform.issueCrl(List.of(platform.ask().getSerialNumber()), at.minus(Duration.ofDays(1)), at.plus(Duration.ofDays(30)));
    assertThatThrownBy(() -> SnpVerifier.verify(e, trusting(at.toString()).toBuilder().crls(List.of(revoking)).build()))
        .isInstanceOfSatisfying(VerificationException.class, x -> assertThat(x.field()).isEqualTo("intermediate.revoked"));

    X509CRL clean = platform.issueCrl(List.of(BigInteger.valueOf(99)), at.minus(Duration.ofDays(1)), at.plus(Duration.ofDays(30)));
    assertThat(SnpVerifier.verify(e, trusting(at.toString()).toBuilder().crls(List.of(clean)).requireRevocationCheck(true).build())).isNotNull();
    assertThatThrownBy(() -> SnpVerifier.verify(e, trusting(at.plus(Duration.ofDays(31)).toString()).toBuilder().crls(List.of(clean)).build()))
        .isInstanceOfSatisfying(VerificationException.class, x -> assertThat(x.field()).isEqualTo("crl.next_update"));
    assertThatThrownBy(() -> SnpVerifier.verify(e, trusting(at.toString()).toBuilder().requireRevocationCheck(true).build()))
        .isInstanceOfSatisfying(VerificationException.class, x -> assertThat(x.field()).isEqualTo("crl"));

    // Another platform's ARK has the same name but another key: its CRL must not count.
    SimulatedSnpPlatform other = SimulatedSnpPlatform.openOrCreate(tmp.resolve("other"), Clock.fixed(CREATED, ZoneOffset.UTC));
    X509CRL forged = other.issueCrl(List.of(), at.minus(Duration.ofDays(1)), at.plus(Duration.ofDays(30)));
    assertThatThrownBy(() -> SnpVerifier.verify(e, trusting(at.toString()).toBuilder().crls(List.of(forged)).build()))
        .isInstanceOfSatisfying(VerificationException.class, x -> assertThat(x.field()).isEqualTo("crl.signature"));
  }

  /**
   * Issue 11, defect 1: the revocation check names the CRL it used (the KDS cache's file, or a
   * supplied one), its signer and its dates, and the time it was checked at.
   */
  @Test
  void theRevocationCheckSaysWhichCrlWasCheckedAndWhen(@TempDir Path tmp) throws Exception {
    SnpEvidence e = SnpEvidence.of(report(), platform.vcek());
    Instant at = Instant.parse("2026-06-01T00:00:00Z");
    Instant thisUpdate = Instant.parse("2026-05-31T00:00:00Z");
    Instant nextUpdate = Instant.parse("2026-07-01T00:00:00Z");
    X509CRL clean = platform.issueCrl(List.of(BigInteger.valueOf(99)), thisUpdate, nextUpdate);
    Path crlFile = tmp.resolve("vcek/v1/Milan/crl");
    Files.createDirectories(crlFile.getParent());
    Files.write(crlFile, clean.getEncoded());
    VerifyOptions cached = trusting(at.toString()).toBuilder().certificates(new KdsCache(tmp)).requireRevocationCheck(true).build();
    String tail = "signed by Cloister simulated Milan's ARK 'ARK-Milan SIMULATED', this update 2026-05-31T00:00:00Z, next update "
        + "2026-07-01T00:00:00Z, checked at 2026-06-01T00:00:00Z: neither 'SEV-Milan SIMULATED' nor the VCEK is revoked";
    assertThat(SnpVerifier.verify(e, cached).checks())
        .filteredOn(c -> c.name().equals("revocation"))
        .containsExactly(Check.pass("revocation", "CRL (KDS cache " + crlFile + ") " + tail));
    VerifyOptions supplied = trusting(at.toString()).toBuilder().crls(List.of(clean)).build();
    assertThat(SnpVerifier.verify(e, supplied).checks())
        .filteredOn(c -> c.name().equals("revocation"))
        .containsExactly(Check.pass("revocation", "CRL (supplied) " + tail));
  }

  /** A report signed by the genuine VCEK whose fields contradict the certificate. */
  static SnpReport signedWith(SnpReport base, TcbVersion reportedTcb, Octets chipId) throws Exception {
    PrivateKey key;
    try (PEMParser p = new PEMParser(new StringReader(Files.readString(dir.resolve("vcek.key"))))) {
      key = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) p.readObject());
    }
    SnpReport.Builder b = SnpReport.builder().version(3).cpuid(base.cpuid().orElseThrow()).policy(base.policy())
        .measurement(base.measurement()).reportedTcb(reportedTcb).currentTcb(reportedTcb).committedTcb(reportedTcb)
        .launchTcb(reportedTcb).chipId(chipId).currentVersion(base.currentVersion()).committedVersion(base.committedVersion());
    Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
    s.initSign(key);
    s.update(b.signedBytes());
    return b.signature(s.sign()).build();
  }

  @Test
  void vcekMustBindTheReportedTcbAndChipId() throws Exception {
    SnpReport base = report();
    VerifyOptions opts = trusting("2026-06-01T00:00:00Z");
    assertThat(SnpVerifier.verify(SnpEvidence.of(signedWith(base, SimulatedSnpPlatform.TCB, platform.chipId()), platform.vcek()), opts)).isNotNull();

    SnpReport otherTcb = signedWith(base, TcbVersion.of(ProductLine.MILAN, 0, 3, 0, 9, 115), platform.chipId());
    assertThatThrownBy(() -> SnpVerifier.verify(SnpEvidence.of(otherTcb, platform.vcek()), opts))
        .isInstanceOfSatisfying(AttestationException.class, x -> assertThat(x.field()).isEqualTo("report.reported_tcb"));

    byte[] chip = platform.chipId().toByteArray();
    chip[63] ^= 1;
    SnpReport otherChip = signedWith(base, SimulatedSnpPlatform.TCB, Octets.copyOf(chip));
    assertThatThrownBy(() -> SnpVerifier.verify(SnpEvidence.of(otherChip, platform.vcek()), opts))
        .isInstanceOfSatisfying(AttestationException.class, x -> assertThat(x.field()).isEqualTo("report.chip_id"));
  }

  @Test
  void corruptedStateIsATypedError(@TempDir Path tmp) throws Exception {
    Path copy = tmp.resolve("copy");
    Files.createDirectories(copy);
    for (String f : List.of("ark.pem", "ask.pem", "vcek.pem", "ark.key", "vcek.key", "chip_id")) {
      Files.copy(dir.resolve(f), copy.resolve(f));
    }
    Files.writeString(copy.resolve("vcek.key"), "garbage");
    assertThatThrownBy(() -> SimulatedSnpPlatform.openOrCreate(copy, Clock.systemUTC()))
        .isInstanceOf(SimulatedPlatformException.class).hasMessageContaining("vcek.key");
    Files.copy(dir.resolve("vcek.key"), copy.resolve("vcek.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(dir.resolve("ark.pem"), copy.resolve("ask.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> SimulatedSnpPlatform.openOrCreate(copy, Clock.systemUTC()))
        .isInstanceOf(SimulatedPlatformException.class);
  }

  @Test
  void requestsWithWrongLengthsNameTheField() {
    assertThatThrownBy(() -> SimulatedSnpPlatform.ReportRequest.builder().measurement(Octets.zeros(32)).build())
        .hasMessageContaining("measurement");
  }
}
