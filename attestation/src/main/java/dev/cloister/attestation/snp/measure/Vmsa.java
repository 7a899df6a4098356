package dev.cloister.attestation.snp.measure;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The initial VMSA page of a vCPU (AMD APM Vol. 2, table B-4, SEV-ES save area) as each VMM sets
 * it: real-mode reset state at {@code eip}, the guest's SEV features, and the VMM's own choices
 * (segment attributes, RDX, MXCSR, FCW, PAT).
 */
final class Vmsa {
  static final long BSP_EIP = 0xFFFFFFF0L;

  private Vmsa() {}

  static byte[] page(long eip, long sevFeatures, int vcpuSig, VmmType vmm) {
    int csFlags = 0x9b;
    int ssFlags = 0x93;
    int trFlags = 0x8b;
    long gpat = 0x7040600070406L; // PAT MSR reset value, AMD APM Vol. 2 A.3
    long rdx = vcpuSig & 0xFFFFFFFFL;
    int mxcsr = 0x1f80;
    int fcw = 0x37f;
    switch (vmm) {
      case QEMU -> { }
      case EC2 -> {
        csFlags = eip == BSP_EIP ? 0x9a : 0x9b;
        ssFlags = 0x92;
        trFlags = 0x83;
        rdx = 0x600;
        mxcsr = 0;
        fcw = 0;
      }
      case GCE -> {
        gpat = 0x00070106L; // the GCE hypervisor overwrites the default
        rdx = 0x600;
        mxcsr = 0;
        fcw = 0;
      }
    }
    ByteBuffer b = ByteBuffer.allocate(LaunchDigest.PAGE).order(ByteOrder.LITTLE_ENDIAN);
    segment(b, 0x00, 0, 0x93, 0xffff, 0); // es
    segment(b, 0x10, 0xf000, csFlags, 0xffff, eip & 0xffff0000L); // cs
    segment(b, 0x20, 0, ssFlags, 0xffff, 0); // ss
    segment(b, 0x30, 0, 0x93, 0xffff, 0); // ds
    segment(b, 0x40, 0, 0x93, 0xffff, 0); // fs
    segment(b, 0x50, 0, 0x93, 0xffff, 0); // gs
    segment(b, 0x60, 0, 0, 0xffff, 0); // gdtr
    segment(b, 0x70, 0, 0x82, 0xffff, 0); // ldtr
    segment(b, 0x80, 0, 0, 0xffff, 0); // idtr
    segment(b, 0x90, 0, trFlags, 0xffff, 0); // tr
    b.putLong(0xD0, 0x1000); // efer: KVM sets SVME
    b.putLong(0x148, 0x40); // cr4: MCE
    b.putLong(0x158, 0x10); // cr0
    b.putLong(0x160, 0x400); // dr7
    b.putLong(0x168, 0xffff0ff0L); // dr6
    b.putLong(0x170, 0x2); // rflags
    b.putLong(0x178, eip & 0xffff); // rip
    b.putLong(0x268, gpat); // g_pat
    b.putLong(0x310, rdx); // rdx
    b.putLong(0x3B0, sevFeatures); // sev_features
    b.putLong(0x3E8, 0x1); // xcr0
    b.putInt(0x408, mxcsr); // mxcsr
    b.putShort(0x410, (short) fcw); // x87 fcw
    return b.array();
  }

  /**
   * The VMSA of every vCPU of an SVSM guest under QEMU (coconut-svsm's QEMU): 32-bit protected
   * mode at the SVSM entry point, SEV features fixed to SNP-active. As in the measurements taken
   * on real hardware that sev-snp-measure reproduces, x87 FCW is left zero.
   */
  static byte[] svsmPage(long eip, int vcpuSig) {
    ByteBuffer b = ByteBuffer.allocate(LaunchDigest.PAGE).order(ByteOrder.LITTLE_ENDIAN);
    segment(b, 0x00, 16, 0xc93, 0xffffffff, 0); // es
    segment(b, 0x10, 8, 0xc9b, 0xffffffff, 0); // cs
    segment(b, 0x20, 16, 0xc93, 0xffffffff, 0); // ss
    segment(b, 0x30, 16, 0xc93, 0xffffffff, 0); // ds
    segment(b, 0x40, 16, 0xc93, 0xffffffff, 0); // fs
    segment(b, 0x50, 0, 0x093, 0xffff, 0); // gs
    segment(b, 0x60, 0, 0, 0xffff, 0); // gdtr
    segment(b, 0x70, 0, 0x82, 0xffff, 0); // ldtr
    segment(b, 0x80, 0, 0, 0xffff, 0); // idtr
    segment(b, 0x90, 0, 0x8b, 0xffff, 0); // tr
    b.putLong(0xD0, 0x1000);
    b.putLong(0x148, 0x40);
    b.putLong(0x158, 0x11); // cr0: protected mode
    b.putLong(0x160, 0x400);
    b.putLong(0x168, 0xffff0ff0L);
    b.putLong(0x170, 0x2);
    b.putLong(0x178, eip);
    b.putLong(0x268, 0x7040600070406L);
    b.putLong(0x310, vcpuSig & 0xFFFFFFFFL);
    b.putLong(0x3B0, 0x1);
    b.putLong(0x3E8, 0x1);
    b.putInt(0x408, 0x1f80);
    return b.array();
  }

  private static void segment(ByteBuffer b, int off, int selector, int attrib, int limit, long base) {
    b.putShort(off, (short) selector);
    b.putShort(off + 2, (short) attrib);
    b.putInt(off + 4, limit);
    b.putLong(off + 8, base);
  }
}
