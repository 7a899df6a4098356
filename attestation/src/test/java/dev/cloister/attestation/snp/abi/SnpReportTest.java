package dev.cloister.attestation.snp.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.testing.Vectors;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SnpReportTest {

  /** go-sev-guest verify/testdata/attestation.bin: a real Milan v2 report (google/go-sev-guest@af1c107). */
  @Test
  void parsesGoSevGuestMilanV2() throws Exception {
    SnpReport r = SnpReport.parse(Vectors.read("go-sev-guest/verify/testdata/attestation.bin"));
    assertThat(r.version()).isEqualTo(2);
    assertThat(r.vmpl()).isZero();
    assertThat(r.policy().raw()).isEqualTo(0xb0000L);
    assertThat(r.policy().debug()).isTrue();
    assertThat(r.policy().smt()).isTrue();
    assertThat(r.measurement().hex())
        .isEqualTo("b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01");
    assertThat(r.reportData().hex()).startsWith("0102030405000000");
    assertThat(r.reportedTcb().hexBytes()).isEqualTo("0200000000000544");
    assertThat(r.reportedTcb().raw()).isEqualTo(4901323769462652930L);
    assertThat(r.reportedTcb().parts(ProductLine.MILAN))
        .isEqualTo(new TcbVersion.Parts(-1, 2, 0, 5, 68));
    assertThat(r.currentVersion()).isEqualTo(new FirmwareVersion(1, 49, 3));
    assertThat(r.cpuid()).isEmpty();
    assertThat(r.signingKey()).isEqualTo(SigningKey.VCEK);
    assertThat(r.toByteArray()).hasSize(SnpReport.SIZE);
  }

  /** Trustee test-vlek-report.bin: a real VLEK-signed v3 report from AWS (confidential-containers/trustee@78962cd). */
  @Test
  void parsesTrusteeVlekV3() throws Exception {
    SnpReport r = SnpReport.parse(Vectors.read("trustee/deps/verifier/test_data/snp/test-vlek-report.bin"));
    assertThat(r.version()).isEqualTo(3);
    assertThat(r.vmpl()).isEqualTo(1);
    assertThat(r.signingKey()).isEqualTo(SigningKey.VLEK);
    assertThat(r.cpuid()).contains(new Cpuid(0x19, 1, 1));
    assertThat(r.productLineFromCpuid()).contains(ProductLine.MILAN);
    assertThat(r.chipId().isAllZero()).isTrue();
  }

  @Test
  void rejectsWrongLengthNamingTheField() {
    assertThatThrownBy(() -> SnpReport.parse(new byte[SnpReport.SIZE + 1]))
        .isInstanceOf(MalformedEvidenceException.class)
        .hasMessageContaining("report: length must be 1184 bytes, got 1185");
  }

  @Test
  void rejectsUnknownVersion() throws Exception {
    byte[] b = validBuilder().build().toByteArray();
    b[0] = 4;
    assertThatThrownBy(() -> SnpReport.parse(b))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("report.version"));
  }

  @Test
  void rejectsNonZeroReservedBytes() throws Exception {
    byte[] b = validBuilder().build().toByteArray();
    b[0x400] = 1; // inside the signature's reserved tail
    assertThatThrownBy(() -> SnpReport.parse(b))
        .isInstanceOfSatisfying(
            MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("report.signature.reserved"));
  }

  @Test
  void builderRoundTripsEveryField() throws Exception {
    SnpReport r = validBuilder().build();
    SnpReport again = SnpReport.parse(r.toByteArray());
    assertThat(again).isEqualTo(r);
    assertThat(again.hostData()).isEqualTo(Octets.fromHex("11".repeat(32)));
    assertThat(again.cpuid()).contains(new Cpuid(0x19, 1, 1));
  }

  @Test
  void signatureIsLittleEndianInTheReport() throws Exception {
    byte[] p1363 = new byte[96];
    for (int i = 0; i < 96; i++) {
      p1363[i] = (byte) (i + 1);
    }
    SnpReport r = validBuilder().signature(p1363).build();
    assertThat(r.signatureP1363()).isEqualTo(p1363);
    assertThat(r.signatureR().get(0)).isEqualTo((byte) 48); // last byte of big-endian r comes first
    assertThat(HexFormat.of().formatHex(r.signatureR().toByteArray(), 48, 72)).isEqualTo("00".repeat(24));
  }

  @Test
  void version5CarriesMitigationVectorsAndEarlierVersionsMustNot() throws Exception {
    SnpReport v5 = validBuilder().version(5).launchMitVector(0x3).currentMitVector(0x7).build();
    assertThat(v5.launchMitVector()).isEqualTo(3);
    assertThat(v5.currentMitVector()).isEqualTo(7);
    assertThatThrownBy(() -> validBuilder().version(3).launchMitVector(1).build())
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("report.reserved[0x1f8]"));
    assertThatThrownBy(() -> validBuilder().version(2).build()) // v2 has no CPUID: those bytes are reserved
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("report.reserved[0x188]"));
  }

  @Test
  void turinTcbLayoutHasAnFmcField() {
    TcbVersion t = TcbVersion.of(ProductLine.TURIN, 1, 2, 3, 4, 5);
    assertThat(t.hexBytes()).isEqualTo("0102030400000005");
    assertThat(t.parts(ProductLine.TURIN)).isEqualTo(new TcbVersion.Parts(1, 2, 3, 4, 5));
    assertThat(t.reservedBytesZero(ProductLine.TURIN)).isTrue();
    assertThat(t.reservedBytesZero(ProductLine.MILAN)).isFalse();
  }

  @Test
  void unknownSigningKeyAndVmplAndPolicyBitsAreNamed() throws Exception {
    byte[] b = validBuilder().build().toByteArray();
    byte[] key = b.clone();
    key[0x48] = 0b1000; // SIGNING_KEY = 2, reserved
    assertThatThrownBy(() -> SnpReport.parse(key))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("report.key_info.signing_key"));
    byte[] vmpl = b.clone();
    vmpl[0x30] = 4;
    assertThatThrownBy(() -> SnpReport.parse(vmpl))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("report.vmpl"));
    byte[] policy = b.clone();
    policy[0x08 + 2] &= ~0x02; // clear bit 17, which must be one
    assertThatThrownBy(() -> SnpReport.parse(policy))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("report.policy"));
    byte[] algo = b.clone();
    algo[0x34] = 2;
    assertThatThrownBy(() -> SnpReport.parse(algo))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("report.signature_algo"));
  }

  static SnpReport.Builder validBuilder() {
    return SnpReport.builder()
        .version(3)
        .measurement(Octets.fromHex("ab".repeat(48)))
        .hostData(Octets.fromHex("11".repeat(32)))
        .reportedTcb(TcbVersion.of(ProductLine.MILAN, 0, 3, 0, 8, 115))
        .cpuid(new Cpuid(0x19, 1, 1));
  }
}
