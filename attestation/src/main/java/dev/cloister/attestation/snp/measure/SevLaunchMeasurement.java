package dev.cloister.attestation.snp.measure;

import dev.cloister.attestation.Octets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The launch measurements of the SEV and SEV-ES generations, which sev-snp-measure computes
 * beside SEV-SNP's: one SHA-256 (32 bytes) over everything LAUNCH_UPDATE_DATA and
 * LAUNCH_UPDATE_VMSA encrypt, in QEMU's order: the whole firmware image, the hashes table of a
 * measured direct boot (the table itself, not a page), then (SEV-ES only) each vCPU's VMSA.
 * Unlike SNP, nothing here records addresses or page types, so the bytes are all that count.
 */
public final class SevLaunchMeasurement {
  private SevLaunchMeasurement() {}

  /** An SEV guest: firmware and, with a kernel, its hashes table. */
  public static LaunchMeasurement sev(byte[] firmware, Optional<byte[]> kernel, Optional<byte[]> initrd, Optional<String> append)
      throws MeasurementException {
    OvmfImage ovmf = new OvmfImage(firmware);
    MessageDigest d = sha256();
    d.update(ovmf.data());
    hashesTable(ovmf, kernel, initrd, append).ifPresent(d::update);
    return new LaunchMeasurement(Octets.copyOf(d.digest()), List.of());
  }

  /**
   * An SEV-ES guest: as {@link #sev}, then the VMSA of each vCPU. SEV-ES has no guest features, so
   * the VMSAs carry SEV_FEATURES 0 whatever SNP would use.
   */
  public static LaunchMeasurement sevEs(byte[] firmware, Optional<byte[]> kernel, Optional<byte[]> initrd, Optional<String> append,
      int vcpus, int vcpuSignature, VmmType vmm) throws MeasurementException {
    if (vcpus < 1 || vcpus > 512) {
      throw new MeasurementException("vcpus", "must be 1..512");
    }
    OvmfImage ovmf = new OvmfImage(firmware);
    MessageDigest d = sha256();
    d.update(ovmf.data());
    hashesTable(ovmf, kernel, initrd, append).ifPresent(d::update);
    long apEip = ovmf.sevEsResetEip();
    byte[] bsp = Vmsa.page(Vmsa.BSP_EIP, 0, vcpuSignature, vmm);
    byte[] ap = apEip != 0 ? Vmsa.page(apEip, 0, vcpuSignature, vmm) : null;
    List<Octets> vmsas = new ArrayList<>();
    for (int i = 0; i < vcpus; i++) {
      if (i > 0 && ap == null) {
        throw new MeasurementException("vcpus", "the firmware has no SEV-ES reset block for application processors");
      }
      byte[] page = i == 0 ? bsp : ap;
      d.update(page);
      vmsas.add(Octets.copyOf(page));
    }
    return new LaunchMeasurement(Octets.copyOf(d.digest()), vmsas);
  }

  private static Optional<byte[]> hashesTable(OvmfImage ovmf, Optional<byte[]> kernel, Optional<byte[]> initrd, Optional<String> append)
      throws MeasurementException {
    if (kernel.isEmpty()) {
      return Optional.empty();
    }
    if (!ovmf.supportsSevHashesTable()) {
      // sev-snp-measure's exact words, so the two tools fail alike
      throw new MeasurementException("kernel", "Kernel specified but OVMF doesn't support kernel/initrd/cmdline measurement");
    }
    return Optional.of(new SevHashes(kernel.get(), initrd.orElse(null), append.orElse(null)).table());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
