package dev.cloister.attestation.snp.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.testing.Vectors;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The SEV and SEV-ES launch digests (SHA-256) that virtee/sev-snp-measure@8f2b337
 * tests/test_guest.py asserts, on its OVMF tail fixtures, kernel and initrd /dev/null (empty).
 */
class SevLaunchMeasurementTest {
  static final String AMDSEV = SnpLaunchMeasurementTest.AMDSEV;
  static final String OVMFX64 = SnpLaunchMeasurementTest.OVMFX64;
  static final Optional<byte[]> EMPTY = Optional.of(new byte[0]);
  static final int EPYC_V4 = VcpuTypes.of("EPYC-v4");

  @Test
  void sevWithAppend() throws Exception { // test_sev
    assertThat(SevLaunchMeasurement.sev(Vectors.read(AMDSEV), EMPTY, EMPTY, Optional.of("console=ttyS0 loglevel=7")).digest().hex())
        .isEqualTo("82a3ee5d537c3620628270c292ae30cb40c3c878666a7890ee7ef2a08fb535ff");
  }

  @Test
  void sevWithKernelOnly() throws Exception { // test_sev_with_kernel_without_initrd_and_append
    assertThat(SevLaunchMeasurement.sev(Vectors.read(AMDSEV), EMPTY, Optional.empty(), Optional.empty()).digest().hex())
        .isEqualTo("77f613d7bbcdf12a73782ea9e88b0172aeda50d1a54201cb903594ff52846898");
  }

  @Test
  void sevOfTheStandardOvmfIsItsSha256() throws Exception { // test_sev_with_ovmfx64_without_kernel
    assertThat(SevLaunchMeasurement.sev(Vectors.read(OVMFX64), Optional.empty(), Optional.empty(), Optional.empty()).digest().hex())
        .isEqualTo("b4c021e085fb83ceffe6571a3d357b4a98773c83c474e47f76c876708fe316da");
  }

  @Test
  void sevEsOneVcpu() throws Exception { // test_seves
    LaunchMeasurement m = SevLaunchMeasurement.sevEs(Vectors.read(AMDSEV), EMPTY, EMPTY, Optional.of(""), 1, EPYC_V4, VmmType.QEMU);
    assertThat(m.digest().hex()).isEqualTo("13810ae661ea11e2bb205621f582fee268f0367c8f97bc297b7fadef3e12002c");
    assertThat(m.vmsas()).hasSize(1);
  }

  @Test
  void sevEsFourVcpus() throws Exception { // test_seves_with_multiple_vcpus (its 0x21 features do not apply to SEV-ES)
    LaunchMeasurement m = SevLaunchMeasurement.sevEs(Vectors.read(AMDSEV), EMPTY, EMPTY, Optional.of(""), 4, EPYC_V4, VmmType.QEMU);
    assertThat(m.digest().hex()).isEqualTo("0dccbcaba8e90b261bd0d2e1863a2f9da714768b7b2a19363cd6ae35aa90de91");
    assertThat(m.vmsas()).hasSize(4); // test_seves_dump_vmsa: vmsa0..3
  }

  @Test
  void kernelWithoutAHashesTableIsRefused() { // test_sev{,es}_with_ovmfx64_and_kernel_should_fail
    byte[] ovmf = Vectors.read(OVMFX64);
    String upstream = "Kernel specified but OVMF doesn't support kernel/initrd/cmdline measurement";
    assertThatThrownBy(() -> SevLaunchMeasurement.sev(ovmf, EMPTY, EMPTY, Optional.of("")))
        .isInstanceOf(MeasurementException.class).hasMessageContaining(upstream);
    assertThatThrownBy(() -> SevLaunchMeasurement.sevEs(ovmf, EMPTY, EMPTY, Optional.of(""), 1, 0, VmmType.QEMU))
        .isInstanceOf(MeasurementException.class).hasMessageContaining(upstream);
  }
}
