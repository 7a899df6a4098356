package dev.cloister.attestation.snp.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.testing.Vectors;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Every SEV-SNP launch digest that virtee/sev-snp-measure@8f2b337 tests/test_guest.py asserts for
 * its OVMF tail fixtures (tests/fixtures/ovmf_{AmdSev,OvmfX64}_suffix.bin, read in place), with
 * kernel and initrd as /dev/null (empty), vCPU type EPYC-v4 unless the VMM ignores it.
 */
class SnpLaunchMeasurementTest {
  static final String AMDSEV = "sev-snp-measure/tests/fixtures/ovmf_AmdSev_suffix.bin";
  static final String OVMFX64 = "sev-snp-measure/tests/fixtures/ovmf_OvmfX64_suffix.bin";
  static final int EPYC_V4 = VcpuTypes.of("EPYC-v4");
  static final String OVMF_HASH = "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74";
  static final byte[] EMPTY = new byte[0];

  static SnpLaunchMeasurement.Inputs in(String ovmf, boolean precomputed, boolean kernel, String append, int vcpus, VmmType vmm, long features) {
    return new SnpLaunchMeasurement.Inputs(Vectors.read(ovmf), precomputed ? Optional.of(Octets.fromHex(OVMF_HASH)) : Optional.empty(),
        kernel ? Optional.of(EMPTY) : Optional.empty(), kernel ? Optional.of(EMPTY) : Optional.empty(),
        kernel ? Optional.ofNullable(append) : Optional.empty(), vcpus, vmm == VmmType.QEMU ? EPYC_V4 : 0, vmm, features);
  }

  static Stream<Arguments> upstream() {
    return Stream.of(
        Arguments.of("ovmf hash, features 0x21", in(AMDSEV, true, true, "", 1, VmmType.QEMU, 0x21),
            "329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198"),
        Arguments.of("ovmf hash, features 0x1", in(AMDSEV, true, true, "", 1, VmmType.QEMU, 0x1),
            "ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5"),
        Arguments.of("append, 0x21", in(AMDSEV, false, true, "console=ttyS0 loglevel=7", 1, VmmType.QEMU, 0x21),
            "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977"),
        Arguments.of("append, 0x21, ovmf hash", in(AMDSEV, true, true, "console=ttyS0 loglevel=7", 1, VmmType.QEMU, 0x21),
            "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977"),
        Arguments.of("append, 0x1", in(AMDSEV, false, true, "console=ttyS0 loglevel=7", 1, VmmType.QEMU, 0x1),
            "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa"),
        Arguments.of("no kernel, 0x21", in(AMDSEV, false, false, null, 1, VmmType.QEMU, 0x21),
            "e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b"),
        Arguments.of("no kernel, 0x1", in(AMDSEV, false, false, null, 1, VmmType.QEMU, 0x1),
            "19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d"),
        Arguments.of("4 vcpus, 0x21", in(AMDSEV, false, true, "", 4, VmmType.QEMU, 0x21),
            "4953b1fb416fa874980e8442b3706d345926d5f38879134e00813c5d7abcbe78eafe7b422907be0b4698e2414a631942"),
        Arguments.of("4 vcpus, 0x1", in(AMDSEV, false, true, "", 4, VmmType.QEMU, 0x1),
            "5061fffb019493a903613d56d54b94912a1a2f9e4502385f5c194616753720a92441310ba6c4933de877c36e23046ad5"),
        Arguments.of("OvmfX64 no kernel, 0x21", in(OVMFX64, false, false, null, 1, VmmType.QEMU, 0x21),
            "28797ae0afaba4005a81e629acebfb59e6687949d6be44007cd5506823b0dd66f146aaae26ff291eed7b493d8a64c385"),
        Arguments.of("OvmfX64 no kernel, 0x1", in(OVMFX64, false, false, null, 1, VmmType.QEMU, 0x1),
            "da0296de8193586a5512078dcd719eccecbd87e2b825ad4148c44f665dc87df21e5b49e21523a9ad993afdb6a30b4005"),
        Arguments.of("EC2, 0x21", in(AMDSEV, false, true, "", 1, VmmType.EC2, 0x21),
            "0ce9ccc06bab55eebe8abc234f3df6514883977a68a591b71052498ab52b2f1aa415db338033946ef93aa8278c0d67fb"),
        Arguments.of("EC2, 0x1", in(AMDSEV, false, true, "", 1, VmmType.EC2, 0x1),
            "0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e5056"),
        Arguments.of("GCE 1 vcpu, 0x1", in(AMDSEV, false, true, "", 1, VmmType.GCE, 0x1),
            "5da7106cf14cf46b1725ebab123eb9e53bd46a1e9f400cd0c08e7827b04b688ea8b4e403c8404efed4397ea5d5d0722e"),
        Arguments.of("GCE 4 vcpus, 0x1", in(AMDSEV, false, true, "", 4, VmmType.GCE, 0x1),
            "5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81e29d"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("upstream")
  void reproducesSevSnpMeasure(String name, SnpLaunchMeasurement.Inputs inputs, String expected) throws Exception {
    assertThat(SnpLaunchMeasurement.compute(inputs).digest().hex()).isEqualTo(expected);
  }

  /**
   * test_snp_dump_vmsa's inputs (another firmware digest as the seed, 1 vCPU, 0x21): one VMSA,
   * whose SHA-256 is that of the vmsa0.bin sev-snp-measure@8f2b337's CLI writes for them.
   */
  @Test
  void theMeasuredVmsaIsUpstreams() throws Exception {
    var in = new SnpLaunchMeasurement.Inputs(Vectors.read(AMDSEV),
        Optional.of(Octets.fromHex("cab7e085874b3acfdbe2d96dcaa3125111f00c35c6fc9708464c2ae74bfdb048a198cb9a9ccae0b3e5e1a33f5f249819")),
        Optional.of(EMPTY), Optional.of(EMPTY), Optional.of(""), 1, EPYC_V4, VmmType.QEMU, 0x21);
    LaunchMeasurement m = SnpLaunchMeasurement.compute(in);
    assertThat(m.vmsas()).hasSize(1);
    assertThat(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(m.vmsas().get(0).toByteArray())))
        .isEqualTo("b2588f97abfa82b893444537c17d4ae97a78eb0a5f78a4d844055d8d15be091a");
  }

  @Test
  void firmwareDigestOfTheAmdSevTail() throws Exception {
    assertThat(SnpLaunchMeasurement.firmwareDigest(Vectors.read(AMDSEV)).hex()).isEqualTo(OVMF_HASH);
  }

  @Test
  void kernelWithoutAHashesSectionIsRefused() {
    assertThatThrownBy(() -> SnpLaunchMeasurement.compute(in(OVMFX64, false, true, "", 1, VmmType.QEMU, 0x1)))
        .isInstanceOf(MeasurementException.class)
        .hasMessageContaining("Kernel specified but OVMF metadata doesn't include SNP_KERNEL_HASHES section");
  }

  @Test
  void cpuSignaturesMatchCpuid() {
    assertThat(VcpuTypes.of("EPYC-Milan")).isEqualTo(0x00A00F11);
    assertThat(VcpuTypes.of("EPYC-Genoa")).isEqualTo(0x00A10F10);
    assertThat(VcpuTypes.signature(23, 1, 2)).isEqualTo(0x00800F12);
  }
}
