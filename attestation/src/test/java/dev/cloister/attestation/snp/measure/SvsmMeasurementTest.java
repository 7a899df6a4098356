package dev.cloister.attestation.snp.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * SNP-SVSM measurements, against sev-snp-measure@8f2b337 test_snp_svsm_{4,2}_vcpus (values measured
 * on real hardware, per its README). The firmware fixtures (svsm_ovmf.fd 3.6 MB, svsm.bin 1.1 MB)
 * are not among the shared samples, so this runs only when CLOISTER_SVSM_FIXTURES names a folder
 * holding them; it is not a shared-vectors test and does not fail CI by its absence.
 */
class SvsmMeasurementTest {
  @Test
  void reproducesTheHardwareMeasuredSvsmValues() throws Exception {
    String dir = System.getenv("CLOISTER_SVSM_FIXTURES");
    Assumptions.assumeTrue(dir != null && Files.isRegularFile(Path.of(dir, "svsm.bin")),
        "skipped: set CLOISTER_SVSM_FIXTURES to a folder with sev-snp-measure's svsm_ovmf.fd and svsm.bin");
    byte[] ovmf = Files.readAllBytes(Path.of(dir, "svsm_ovmf.fd"));
    byte[] svsm = Files.readAllBytes(Path.of(dir, "svsm.bin"));
    int sig = VcpuTypes.of("EPYC-v4");
    assertThat(SnpLaunchMeasurement.computeSvsm(ovmf, svsm, 540672, 4, sig).hex())
        .isEqualTo("27d154c27b7b359c935e250ec6fee72aa0ae8c1225e3b0e1cf46a9567e938066d7d6f94bbdc4a857818bdb79277a44b2");
    assertThat(SnpLaunchMeasurement.computeSvsm(ovmf, svsm, 540672, 2, sig).hex())
        .isEqualTo("9b94745036aafddf4f7f8b00c7513abb5b7703178cb95aaa57928bd963d68d3bfcb715d6019b9167ee2517b11b0d9be7");
  }
}
