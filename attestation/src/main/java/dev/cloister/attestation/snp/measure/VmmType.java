package dev.cloister.attestation.snp.measure;

/** The hypervisor that launches the guest: each sets slightly different initial vCPU state. */
public enum VmmType {
  QEMU, EC2, GCE;

  public static VmmType of(String name) {
    return switch (name.toLowerCase(java.util.Locale.ROOT)) {
      case "qemu" -> QEMU;
      case "ec2" -> EC2;
      case "gce" -> GCE;
      default -> throw new IllegalArgumentException("vmm type must be qemu, ec2 or gce");
    };
  }
}
