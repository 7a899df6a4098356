package dev.cloister.attestation.snp.measure;

import dev.cloister.attestation.Octets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Computes the SEV-SNP launch measurement a confidential VM will report, from its firmware,
 * optional kernel/initrd/command line (measured direct boot), vCPU count and model, VMM, and guest
 * features. The order of updates is the VMM's: firmware pages (or a precomputed firmware digest as
 * the seed), then the firmware's SEV metadata sections, then one VMSA per vCPU.
 *
 * <p>Where virtee's Python sev-snp-measure and Rust virtee/sev disagree (EC2 with an empty command
 * line: Python hashes a lone NUL, Rust passes none), this follows sev-snp-measure.
 */
public final class SnpLaunchMeasurement {
  private SnpLaunchMeasurement() {}

  /**
   * What to measure.
   *
   * @param firmware the OVMF image (at least its last 4 KiB, which carry the tables)
   * @param firmwareDigest a precomputed firmware digest ({@code --snp-ovmf-hash}, as {@code snp:ovmf-hash} prints it); the image then
   *     supplies only its tables
   * @param kernel kernel image for measured direct boot; empty when the firmware boots by itself
   * @param vcpuSignature CPUID signature of the vCPU model (ignored by EC2 and GCE, which use 0x600)
   * @param guestFeatures the SEV_FEATURES of the VMSAs (e.g. 0x1 SNP only, 0x21 SNP + debug swap)
   */
  public record Inputs(
      byte[] firmware,
      Optional<Octets> firmwareDigest,
      Optional<byte[]> kernel,
      Optional<byte[]> initrd,
      Optional<String> append,
      int vcpus,
      int vcpuSignature,
      VmmType vmm,
      long guestFeatures) {}

  /** SHA-384-chained digest of the firmware pages alone: what {@code --mode snp:ovmf-hash} prints. */
  public static Octets firmwareDigest(byte[] firmware) throws MeasurementException {
    OvmfImage ovmf = new OvmfImage(firmware);
    LaunchDigest ld = LaunchDigest.fresh();
    ld.normalPages(ovmf.gpa(), ovmf.data());
    return Octets.copyOf(ld.value());
  }

  public static LaunchMeasurement compute(Inputs in) throws MeasurementException {
    if (in.vcpus() < 1 || in.vcpus() > 512) {
      throw new MeasurementException("vcpus", "must be 1..512");
    }
    OvmfImage ovmf = new OvmfImage(in.firmware());
    LaunchDigest ld;
    if (in.firmwareDigest().isPresent()) {
      if (in.firmwareDigest().get().length() != LaunchDigest.DIGEST) {
        throw new MeasurementException("ovmf_hash", "must be 48 bytes");
      }
      ld = new LaunchDigest(in.firmwareDigest().get().toByteArray());
    } else {
      ld = LaunchDigest.fresh();
      ld.normalPages(ovmf.gpa(), ovmf.data());
    }
    SevHashes hashes = in.kernel().map(k -> new SevHashes(k, in.initrd().orElse(null), in.append().orElse(null))).orElse(null);
    if (hashes != null && !ovmf.hasSection(OvmfImage.SectionType.SNP_KERNEL_HASHES)) {
      throw new MeasurementException("kernel", "Kernel specified but OVMF metadata doesn't include SNP_KERNEL_HASHES section");
    }
    for (OvmfImage.Section s : ovmf.sections()) {
      switch (s.type()) {
        case SNP_SEC_MEM -> {
          if (in.vmm() == VmmType.GCE) {
            ld.unmeasuredPages(s.gpa(), s.size());
          } else {
            ld.zeroPages(s.gpa(), s.size());
          }
        }
        case SNP_SECRETS -> ld.secretsPage(s.gpa());
        case CPUID -> {
          if (in.vmm() != VmmType.EC2) {
            ld.cpuidPage(s.gpa()); // EC2 measures the CPUID page last, below
          }
        }
        case SNP_KERNEL_HASHES -> {
          if (hashes != null) {
            if (s.size() != LaunchDigest.PAGE) {
              throw new MeasurementException("ovmf.metadata", "the kernel hashes section must be one page");
            }
            ld.normalPages(s.gpa(), hashes.page((int) (ovmf.sevHashesTableGpa() & 0xFFF)));
          } else {
            ld.zeroPages(s.gpa(), s.size());
          }
        }
        case SVSM_CAA -> ld.zeroPages(s.gpa(), s.size());
      }
    }
    if (in.vmm() == VmmType.EC2) {
      for (OvmfImage.Section s : ovmf.sections()) {
        if (s.type() == OvmfImage.SectionType.CPUID) {
          ld.cpuidPage(s.gpa());
        }
      }
    }
    long apEip = ovmf.sevEsResetEip();
    byte[] bsp = Vmsa.page(Vmsa.BSP_EIP, in.guestFeatures(), in.vcpuSignature(), in.vmm());
    byte[] ap = apEip != 0 ? Vmsa.page(apEip, in.guestFeatures(), in.vcpuSignature(), in.vmm()) : null;
    List<Octets> vmsas = new ArrayList<>();
    for (int i = 0; i < in.vcpus(); i++) {
      if (i > 0 && ap == null) {
        throw new MeasurementException("vcpus", "the firmware has no SEV-ES reset block for application processors");
      }
      byte[] page = i == 0 ? bsp : ap;
      ld.vmsaPage(page);
      vmsas.add(Octets.copyOf(page));
    }
    return new LaunchMeasurement(Octets.copyOf(ld.value()), vmsas);
  }

  /**
   * An SVSM guest under QEMU ({@code snp:svsm}): the firmware, then the SVSM image placed below
   * the firmware and its {@code varsSize} bytes of variables, the SVSM's own SEV metadata
   * sections, and one SVSM VMSA per vCPU.
   */
  public static LaunchMeasurement computeSvsm(byte[] firmware, byte[] svsmImage, long varsSize, int vcpus, int vcpuSignature) throws MeasurementException {
    if (vcpus < 1 || vcpus > 512) {
      throw new MeasurementException("vcpus", "must be 1..512");
    }
    if (varsSize < 0 || varsSize % LaunchDigest.PAGE != 0) {
      throw new MeasurementException("ovmf_vars_size", "must be a non-negative multiple of 4096");
    }
    OvmfImage ovmf = new OvmfImage(firmware);
    OvmfImage svsm = new OvmfImage(svsmImage, ovmf.gpa() - varsSize);
    LaunchDigest ld = LaunchDigest.fresh();
    ld.normalPages(ovmf.gpa(), ovmf.data());
    ld.normalPages(svsm.gpa(), svsm.data());
    for (OvmfImage.Section s : svsm.sections()) {
      switch (s.type()) {
        case SNP_SEC_MEM, SVSM_CAA -> ld.zeroPages(s.gpa(), s.size());
        case SNP_SECRETS -> ld.secretsPage(s.gpa());
        case CPUID -> ld.cpuidPage(s.gpa());
        case SNP_KERNEL_HASHES -> ld.zeroPages(s.gpa(), s.size());
      }
    }
    byte[] vmsa = Vmsa.svsmPage(svsm.svsmEntry(), vcpuSignature);
    List<Octets> vmsas = new ArrayList<>();
    for (int i = 0; i < vcpus; i++) {
      ld.vmsaPage(vmsa);
      vmsas.add(Octets.copyOf(vmsa));
    }
    return new LaunchMeasurement(Octets.copyOf(ld.value()), vmsas);
  }
}
