package dev.cloister.attestation.snp.measure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloister.attestation.testing.Vectors;
import org.junit.jupiter.api.Test;

/**
 * SNP-SVSM measurements, against sev-snp-measure@8f2b337 test_snp_svsm_{4,2}_vcpus (values measured
 * on real hardware, per its tests/fixtures/README.md), from its firmware fixtures svsm_ovmf.fd and
 * svsm.bin with a 540672-byte variables store.
 */
class SvsmMeasurementTest {
  static final String OVMF = "sev-snp-measure/tests/fixtures/svsm_ovmf.fd";
  static final String SVSM = "sev-snp-measure/tests/fixtures/svsm.bin";

  @Test
  void reproducesTheHardwareMeasuredSvsmValues() throws Exception {
    byte[] ovmf = Vectors.read(OVMF);
    byte[] svsm = Vectors.read(SVSM);
    int sig = VcpuTypes.of("EPYC-v4");
    LaunchMeasurement four = SnpLaunchMeasurement.computeSvsm(ovmf, svsm, 540672, 4, sig);
    assertThat(four.digest().hex())
        .isEqualTo("27d154c27b7b359c935e250ec6fee72aa0ae8c1225e3b0e1cf46a9567e938066d7d6f94bbdc4a857818bdb79277a44b2");
    assertThat(four.vmsas()).hasSize(4); // test_snp_svsm_dump_vmsa: one VMSA per vCPU
    assertThat(SnpLaunchMeasurement.computeSvsm(ovmf, svsm, 540672, 2, sig).digest().hex())
        .isEqualTo("9b94745036aafddf4f7f8b00c7513abb5b7703178cb95aaa57928bd963d68d3bfcb715d6019b9167ee2517b11b0d9be7");
  }
}
