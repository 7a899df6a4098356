package dev.cloister.attestation.snp.verify;

import static dev.cloister.attestation.snp.verify.RealEvidence.at;
import static dev.cloister.attestation.snp.verify.RealEvidence.cert;
import static dev.cloister.attestation.snp.verify.RealEvidence.certs;
import static dev.cloister.attestation.snp.verify.RealEvidence.hexFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.snp.abi.TcbVersion;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.testing.Vectors;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Verification of real SEV-SNP evidence captured on AMD hardware, each at a time inside and outside
 * its certificates' validity. Sources are named per test; all are read in place from testdata/vectors.
 */
class SnpVerifierTest {

  static void rejected(ThrowingCallable call, String field) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(AttestationException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  // google/go-sev-guest@af1c107 verify/testdata/attestation.bin + vcek.testcer (Milan-B0, v2 report,
  // VCEK valid 2022-09-24..2029-09-24); upstream TestRealAttestationVerification.
  SnpEvidence goSevGuest() throws Exception {
    return SnpEvidence.of(
        SnpReport.parse(Vectors.read("go-sev-guest/verify/testdata/attestation.bin")),
        cert("go-sev-guest/verify/testdata/vcek.testcer"));
  }

  @Test
  void goSevGuestMilanV2VerifiesInsideValidity() throws Exception {
    VerifiedSnpReport v = SnpVerifier.verify(goSevGuest(), at("2023-07-01T00:00:00Z"));
    assertThat(v.product()).isEqualTo(ProductLine.MILAN);
    assertThat(v.platform()).isEqualTo(PlatformKind.HARDWARE);
    assertThat(v.extensions().productName()).isEqualTo("Milan-B0");
    assertThat(v.anchor().name()).isEqualTo("AMD Milan");
  }

  @Test
  void goSevGuestMilanV2RejectedOutsideValidity() throws Exception {
    SnpEvidence e = goSevGuest();
    rejected(() -> SnpVerifier.verify(e, at("2029-09-25T00:00:00Z")), "vek.validity");
    rejected(() -> SnpVerifier.verify(e, at("2022-09-23T00:00:00Z")), "vek.validity");
  }

  @Test
  void productAssertedByCallerMustMatchTheCertificate() throws Exception {
    SnpEvidence e = goSevGuest();
    VerifyOptions genoa = at("2023-07-01T00:00:00Z").toBuilder().product(ProductLine.GENOA).build();
    rejected(() -> SnpVerifier.verify(e, genoa), "vek.product_name");
  }

  @Test
  void suppliedChainWithTheTrustedArkIsAccepted() throws Exception {
    SnpEvidence e = goSevGuest();
    // go-sev-guest verify/trust/ask_ark_milan.pem: AMD's Milan ASK then ARK.
    List<X509Certificate> chain = certs(Vectors.read("go-sev-guest/verify/trust/ask_ark_milan.pem"));
    SnpEvidence withChain = new SnpEvidence(e.report(), e.vek(), chain);
    assertThat(SnpVerifier.verify(withChain, at("2023-07-01T00:00:00Z")).product()).isEqualTo(ProductLine.MILAN);
  }

  @Test
  void noTrustedRootForTheProductIsRejected() throws Exception {
    SnpEvidence e = goSevGuest();
    VerifyOptions none = at("2023-07-01T00:00:00Z").toBuilder().trustAnchors(List.of()).build();
    rejected(() -> SnpVerifier.verify(e, none), "vek.issuer");
  }

  // virtee/sev@9cf2adb tests/certs_data/report_milan.hex + vcek_milan.der (2023-04-03..2030-04-03);
  // upstream tests/certs.rs milan_report, milan_report_invalid (byte 21 ^= 0x80), milan_chain_invalid.
  @Test
  void virteeMilanReport() throws Exception {
    byte[] raw = hexFile("sev/tests/certs_data/report_milan.hex");
    X509Certificate vcek = cert("sev/tests/certs_data/vcek_milan.der");
    VerifyOptions opts = at("2024-01-01T00:00:00Z");
    assertThat(SnpVerifier.verify(SnpEvidence.of(SnpReport.parse(raw), vcek), opts).report().measurement().hex())
        .startsWith("7a1e5c266c0108db");
    rejected(() -> SnpVerifier.verify(SnpEvidence.of(SnpReport.parse(raw), vcek), at("2030-04-04T00:00:00Z")), "vek.validity");

    byte[] flipped = raw.clone();
    flipped[21] ^= (byte) 0x80;
    rejected(() -> SnpVerifier.verify(SnpEvidence.of(SnpReport.parse(flipped), vcek), opts), "report.signature");

    byte[] badCert = vcek.getEncoded();
    badCert[40] ^= (byte) 0xff;
    assertThatThrownBy(() -> SnpVerifier.verify(SnpEvidence.of(SnpReport.parse(raw), certs(badCert).getFirst()), opts))
        .isInstanceOfAny(AttestationException.class, java.security.cert.CertificateException.class);
  }

  // confidential-containers/trustee@78962cd deps/verifier/test_data/snp/test-report.bin + test-vcek.der
  // (2023-01-24..2030-01-24); upstream snp/mod.rs check_report_signature, byte 42 / 384 mutations.
  @Test
  void trusteeMilanReportAndMutations() throws Exception {
    byte[] raw = Vectors.read("trustee/deps/verifier/test_data/snp/test-report.bin");
    X509Certificate vcek = cert("trustee/deps/verifier/test_data/snp/test-vcek.der");
    VerifyOptions opts = at("2025-01-01T00:00:00Z");
    SnpVerifier.verify(SnpEvidence.of(SnpReport.parse(raw), vcek), opts);

    byte[] b42 = raw.clone();
    b42[42]++;
    assertThatThrownBy(() -> SnpVerifier.verify(SnpEvidence.of(SnpReport.parse(b42), vcek), opts))
        .isInstanceOf(AttestationException.class);
    byte[] b384 = raw.clone();
    b384[384]++;
    assertThatThrownBy(() -> SnpVerifier.verify(SnpEvidence.of(SnpReport.parse(b384), vcek), opts))
        .isInstanceOf(AttestationException.class);
    byte[] badCert = vcek.getEncoded();
    badCert[42]++;
    assertThatThrownBy(() -> SnpVerifier.verify(SnpEvidence.of(SnpReport.parse(raw), certs(badCert).getFirst()), opts))
        .isInstanceOfAny(AttestationException.class, java.security.cert.CertificateException.class);
  }

  // trustee test-vcek-invalid-{legacy,new}.der: VCEKs with a fake hwID whose signatures do not verify.
  @Test
  void trusteeInvalidVceksDoNotChain() throws Exception {
    SnpReport report = SnpReport.parse(Vectors.read("trustee/deps/verifier/test_data/snp/test-report.bin"));
    for (String f : List.of("test-vcek-invalid-legacy.der", "test-vcek-invalid-new.der")) {
      X509Certificate bad = cert("trustee/deps/verifier/test_data/snp/" + f);
      assertThat(VekExtensions.from(bad).hwid()).isPresent(); // both encodings of hwID parse
      rejected(() -> SnpVerifier.verify(SnpEvidence.of(report, bad), at("2025-01-01T00:00:00Z")), "vek.issuer");
    }
  }

  // trustee test-vlek-report.bin + test-vlek.der: real VLEK-signed v3 report from AWS EC2; the VLEK
  // is valid 2024-12-10..2025-12-10 and chains to the ASVK, not the ASK.
  @Test
  void trusteeVlekReport() throws Exception {
    SnpEvidence e = SnpEvidence.of(
        SnpReport.parse(Vectors.read("trustee/deps/verifier/test_data/snp/test-vlek-report.bin")),
        cert("trustee/deps/verifier/test_data/snp/test-vlek.der"));
    VerifiedSnpReport v = SnpVerifier.verify(e, at("2025-06-01T00:00:00Z"));
    assertThat(v.extensions().cspId()).isPresent();
    assertThat(v.extensions().hwid()).isEmpty();
    rejected(() -> SnpVerifier.verify(e, at("2025-12-11T00:00:00Z")), "vek.validity");
  }

  @Test
  void vlekReportWithoutVlekCannotBeFetched() throws Exception {
    SnpReport r = SnpReport.parse(Vectors.read("trustee/deps/verifier/test_data/snp/test-vlek-report.bin"));
    rejected(() -> SnpVerifier.verify(new SnpEvidence(r, Optional.empty(), List.of()), at("2025-06-01T00:00:00Z")), "vek");
  }

  @Test
  void vcekForAVlekSignedReportIsRejected() throws Exception {
    SnpReport r = SnpReport.parse(Vectors.read("trustee/deps/verifier/test_data/snp/test-vlek-report.bin"));
    X509Certificate vcek = cert("trustee/deps/verifier/test_data/snp/test-vcek.der");
    rejected(() -> SnpVerifier.verify(SnpEvidence.of(r, vcek), at("2025-06-01T00:00:00Z")), "vek");
  }

  // virtee/sev tests/certs_data/vcek_turin.der: a real Turin VCEK (8-byte hwID, fmcSPL); no Turin
  // report exists in the samples, so this checks only the extensions and the chain (turin_ca_stack).
  @Test
  void turinVcekExtensionsAndChain() throws Exception {
    X509Certificate vcek = cert("sev/tests/certs_data/vcek_turin.der");
    VekExtensions ext = VekExtensions.from(vcek);
    assertThat(ext.product()).isEqualTo(ProductLine.TURIN);
    assertThat(ext.hwid().orElseThrow().hex()).isEqualTo("1e550a8ee5cf9f4d");
    assertThat(ext.structVersion()).isEqualTo(1);
    // openssl asn1parse of the certificate: fmcSPL (…3.9), blSPL (…3.1), teeSPL (…3.2), snpSPL (…3.3) are 0, ucodeSPL (…3.8) is 9.
    assertThat(ext.tcb().parts(ProductLine.TURIN)).isEqualTo(new TcbVersion.Parts(0, 0, 0, 0, 9));
    TrustAnchor turin = AmdRoots.all().stream().filter(a -> a.product() == ProductLine.TURIN).findFirst().orElseThrow();
    boolean signed = turin.intermediates().stream().anyMatch(i -> {
      try {
        vcek.verify(i.getPublicKey());
        return true;
      } catch (Exception ex) {
        return false;
      }
    });
    assertThat(signed).isTrue();
  }

  @Test
  void embeddedRootsCoverEveryProductWithVcekAndVlekIntermediates() {
    assertThat(AmdRoots.all()).extracting(TrustAnchor::product).containsExactly(ProductLine.values());
    for (TrustAnchor a : AmdRoots.all()) {
      assertThat(a.intermediates()).hasSize(2); // ASK and ASVK
      assertThat(a.platform()).isEqualTo(PlatformKind.HARDWARE);
    }
  }

  @Test
  void unsignedReportIsRejected() throws Exception {
    SnpReport r = SnpReport.builder()
        .keyInfo(false, false, dev.cloister.attestation.snp.abi.SigningKey.NONE)
        .cpuid(new dev.cloister.attestation.snp.abi.Cpuid(0x19, 1, 1))
        .build();
    X509Certificate vcek = cert("go-sev-guest/verify/testdata/vcek.testcer");
    rejected(() -> SnpVerifier.verify(SnpEvidence.of(r, vcek), at("2023-07-01T00:00:00Z")), "report.key_info.signing_key");
  }

  @Test
  void missingVcekIsFetchedFromTheKdsCacheOnly() throws Exception {
    SnpReport r = SnpReport.parse(Vectors.read("go-sev-guest/verify/testdata/attestation.bin"));
    VerifyOptions noSource = at("2023-07-01T00:00:00Z").toBuilder().product(ProductLine.MILAN).build();
    rejected(() -> SnpVerifier.verify(new SnpEvidence(r, Optional.empty(), List.of()), noSource), "vek");

    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("kds");
    java.nio.file.Path file = dir.resolve(KdsPaths.vcek(ProductLine.MILAN, r.chipId(), r.reportedTcb()));
    java.nio.file.Files.createDirectories(file.getParent());
    java.nio.file.Files.write(file, Vectors.read("go-sev-guest/verify/testdata/vcek.testcer"));
    assertThat(file.getFileName().toString()).endsWith("?blSPL=02&teeSPL=00&snpSPL=05&ucodeSPL=68");
    VerifyOptions cached = noSource.toBuilder().certificates(new KdsCache(dir)).build();
    assertThat(SnpVerifier.verify(new SnpEvidence(r, Optional.empty(), List.of()), cached).product())
        .isEqualTo(ProductLine.MILAN);
  }

  @Test
  void kdsClientUsesTheInjectedNetworkAndFillsTheCache() throws Exception {
    SnpReport r = SnpReport.parse(Vectors.read("go-sev-guest/verify/testdata/attestation.bin"));
    byte[] vcek = Vectors.read("go-sev-guest/verify/testdata/vcek.testcer");
    List<java.net.URI> asked = new java.util.ArrayList<>();
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("kds");
    KdsClient fake = new KdsClient(KdsClient.AMD_KDS, uri -> {
      asked.add(uri);
      if (uri.getPath().endsWith("/crl")) {
        throw new java.io.IOException("404");
      }
      return vcek;
    }, Optional.of(new KdsCache(dir)));
    VerifyOptions opts = at("2023-07-01T00:00:00Z").toBuilder().product(ProductLine.MILAN).certificates(fake).build();
    assertThatThrownBy(() -> SnpVerifier.verify(new SnpEvidence(r, Optional.empty(), List.of()), opts))
        .isInstanceOfSatisfying(VerificationException.class, e -> assertThat(e.field()).isEqualTo("kds.crl"));
    assertThat(asked.getFirst().toString())
        .isEqualTo("https://kdsintf.amd.com/vcek/v1/Milan/" + r.chipId().hex() + "?blSPL=02&teeSPL=00&snpSPL=05&ucodeSPL=68");
    assertThat(new KdsCache(dir).vcek(ProductLine.MILAN, r.chipId(), r.reportedTcb())).isPresent();
  }

  /**
   * Issue 11, defect 1: a CRL from another issuer (Intel's SGX Root CA CRL from dcap-rs@d847b8f
   * data/intel_root_ca_crl.der, INDEX.md section 2) says nothing about AMD's certificates. It is
   * reported as not used, revocation as not checked, and a required check fails naming the ARK.
   */
  @Test
  void aCrlFromAnotherIssuerIsNotARevocationCheck() throws Exception {
    java.security.cert.X509CRL intel = (java.security.cert.X509CRL) java.security.cert.CertificateFactory.getInstance("X.509")
        .generateCRL(new java.io.ByteArrayInputStream(Vectors.read("dcap-rs/data/intel_root_ca_crl.der")));
    VerifyOptions options = at("2023-07-01T00:00:00Z").toBuilder().crls(List.of(intel)).build();
    VerifiedSnpReport v = SnpVerifier.verify(goSevGuest(), options);
    assertThat(v.checks()).extracting(c -> c.name() + " " + c.outcome().label() + " " + c.detail())
        .contains("crl none CRL (supplied) issued by 'C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX Root CA'"
                + " is not from AMD Milan's ARK 'ARK-Milan': not used",
            "revocation none no CRL signed by AMD Milan's ARK was supplied or found: revocation not checked")
        .noneMatch(line -> line.startsWith("revocation affirming"));
    assertThatThrownBy(() -> SnpVerifier.verify(goSevGuest(), options.toBuilder().requireRevocationCheck(true).build()))
        .isInstanceOfSatisfying(VerificationException.class, e -> assertThat(e.getMessage())
            .isEqualTo("crl: a revocation check is required and no CRL signed by AMD Milan's ARK is available"));
  }

  /** Every check names what it compared: AMD's certificate names (go-sev-guest's Milan chain) and the time. */
  @Test
  void checksNameTheRootTheKeyAndTheTime() throws Exception {
    VerifiedSnpReport v = SnpVerifier.verify(goSevGuest(), at("2023-07-01T00:00:00Z"));
    assertThat(v.checks()).extracting(c -> c.name() + ": " + c.detail()).containsExactly(
        "signature: ECDSA P-384 report signature verifies with the VCEK's key",
        "chain: VCEK signed by 'SEV-Milan', signed by the ARK 'ARK-Milan' of trust anchor 'AMD Milan'",
        "validity: ARK, 'SEV-Milan' and VCEK valid at 2023-07-01T00:00:00Z",
        "revocation: no CRL signed by AMD Milan's ARK was supplied or found: revocation not checked",
        // reported_tcb bl=2 tee=0 snp=5 ucode=68 (INDEX.md, go-sev-guest's attestation.bin)
        "binding: certificate product Milan-B0 and TCB bl=2 tee=0 snp=5 ucode=68 match the report; CHIP_ID equals the certificate's hwID");
  }
}
