package dev.cloister.cli;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.measure.MeasurementException;
import dev.cloister.attestation.snp.measure.SnpLaunchMeasurement;
import dev.cloister.attestation.snp.measure.VcpuTypes;
import dev.cloister.attestation.snp.measure.VmmType;
import dev.cloister.cleanroom.workload.WorkloadBundle;
import dev.cloister.cleanroom.workload.WorkloadConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "measure", mixinStandardHelpOptions = true, description = "Compute expected launch measurements.",
    subcommands = {MeasureCommand.Snp.class, MeasureCommand.Workload.class})
final class MeasureCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The one output shape of every measure command. */
  /** Prints the measurement; with {@code expect}, a mismatch is exit 1 (what fails a CI pipeline). */
  static int report(CommandSpec spec, boolean json, String kind, String measurement, Map<String, Object> inputs, String expect) {
    print(spec, json, kind, measurement, inputs);
    if (expect != null && !expect.toLowerCase(java.util.Locale.ROOT).equals(measurement)) {
      spec.commandLine().getErr().println("cloister: measurement " + measurement + " differs from the expected " + expect);
      return ExitCodes.REJECTED;
    }
    return ExitCodes.OK;
  }

  static void print(CommandSpec spec, boolean json, String kind, String measurement, Map<String, Object> inputs) {
    if (json) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("kind", kind);
      out.put("measurement", measurement);
      out.put("inputs", inputs);
      Output.json(spec.commandLine().getOut(), out);
    } else {
      spec.commandLine().getOut().println(measurement);
    }
  }

  @Command(name = "snp", mixinStandardHelpOptions = true,
      description = {"The SEV-SNP launch measurement (48 bytes) of a confidential VM: firmware, measured direct boot, vCPUs, VMM.",
          "Modes: snp (hash the whole --ovmf), snp:ovmf-hash (take the firmware digest from --ovmf-hash; --ovmf gives the tables),",
          "snp:svsm (an SVSM under QEMU: --svsm and --vars-size; no direct boot).",
          "Follows virtee's sev-snp-measure where implementations differ (EC2 with an empty --append hashes a lone NUL)."},
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:measured", "1:the inputs cannot be measured, or --expect differs", "2:usage error"})
  static final class Snp implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--mode", defaultValue = "snp", description = "snp, snp:ovmf-hash or snp:svsm (default ${DEFAULT-VALUE}).") String mode;
    @Option(names = "--svsm", paramLabel = "FILE", description = "The SVSM image (snp:svsm).") Path svsm;
    @Option(names = "--vars-size", paramLabel = "BYTES", description = "Size of the OVMF variables store below the firmware (snp:svsm).") Long varsSize;
    @Option(names = "--ovmf", required = true, paramLabel = "FILE") Path ovmf;
    @Option(names = "--ovmf-hash", paramLabel = "HEX") String ovmfHash;
    @Option(names = "--kernel", paramLabel = "FILE") Path kernel;
    @Option(names = "--initrd", paramLabel = "FILE") Path initrd;
    @Option(names = "--append", paramLabel = "CMDLINE") String append;
    @Option(names = "--vcpus", defaultValue = "1") int vcpus;
    @Option(names = "--vcpu-type", paramLabel = "NAME", description = "EPYC, EPYC-v4, EPYC-Rome, EPYC-Milan, EPYC-Genoa, EPYC-Turin, ...") String vcpuType;
    @Option(names = "--vcpu-sig", paramLabel = "N") Integer vcpuSig;
    @Option(names = "--vcpu-family") Integer family;
    @Option(names = "--vcpu-model") Integer model;
    @Option(names = "--vcpu-stepping") Integer stepping;
    @Option(names = "--vmm-type", defaultValue = "qemu", description = "qemu, ec2 or gce (default ${DEFAULT-VALUE}).") String vmm;
    @Option(names = "--guest-features", defaultValue = "0x1", paramLabel = "HEX", description = "SEV_FEATURES (default ${DEFAULT-VALUE}: SNP active).") String features;
    @Option(names = "--json") boolean json;
    @Option(names = "--expect", paramLabel = "HEX", description = "Exit 1 if the measurement differs (e.g. from the committed value).") String expect;

    @Override
    public Integer call() throws Exception {
      if (!mode.equals("snp") && !mode.equals("snp:ovmf-hash") && !mode.equals("snp:svsm")) {
        throw new UsageException("--mode must be snp, snp:ovmf-hash or snp:svsm");
      }
      if (mode.equals("snp:svsm") != (svsm != null && varsSize != null)) {
        throw new UsageException("--svsm and --vars-size go with --mode snp:svsm, and it needs both");
      }
      if (mode.equals("snp:svsm") && (kernel != null || !vmm.equalsIgnoreCase("qemu"))) {
        throw new UsageException("snp:svsm measures an SVSM under QEMU without direct boot");
      }
      if (mode.equals("snp:ovmf-hash") != (ovmfHash != null)) {
        throw new UsageException("--ovmf-hash goes with --mode snp:ovmf-hash, and only with it");
      }
      if ((initrd != null || append != null) && kernel == null) {
        throw new UsageException("--initrd and --append need --kernel");
      }
      VmmType vmmType;
      try {
        vmmType = VmmType.of(vmm);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--vmm-type: " + e.getMessage());
      }
      int sig;
      if (vcpuType != null) {
        try {
          sig = VcpuTypes.of(vcpuType);
        } catch (IllegalArgumentException e) {
          throw new UsageException("--vcpu-type: " + e.getMessage());
        }
      } else if (vcpuSig != null) {
        sig = vcpuSig;
      } else if (family != null && model != null && stepping != null) {
        sig = VcpuTypes.signature(family, model, stepping);
      } else if (vmmType == VmmType.QEMU) {
        throw new UsageException("QEMU needs the vCPU model: --vcpu-type, --vcpu-sig, or --vcpu-family/--vcpu-model/--vcpu-stepping");
      } else {
        sig = 0; // EC2 and GCE put 0x600 in RDX whatever the model
      }
      long guestFeatures;
      try {
        guestFeatures = Long.parseUnsignedLong(features.replaceFirst("^0[xX]", ""), 16);
      } catch (NumberFormatException e) {
        throw new UsageException("--guest-features must be hex");
      }
      byte[] firmware = Inputs.read(ovmf);
      Optional<byte[]> k = kernel == null ? Optional.empty() : Optional.of(Inputs.read(kernel));
      Optional<byte[]> i = initrd == null ? Optional.empty() : Optional.of(Inputs.read(initrd));
      try {
        if (mode.equals("snp:svsm")) {
          byte[] svsmImage = Inputs.read(svsm);
          Octets m = SnpLaunchMeasurement.computeSvsm(firmware, svsmImage, varsSize, vcpus, sig);
          Map<String, Object> inputs = new LinkedHashMap<>();
          inputs.put("mode", mode);
          inputs.put("ovmf_sha256", sha256(firmware));
          inputs.put("svsm_sha256", sha256(svsmImage));
          inputs.put("vars_size", varsSize);
          inputs.put("vcpus", vcpus);
          inputs.put("vcpu_sig", String.format("0x%x", sig));
          return report(spec, json, "sev-snp", m.hex(), inputs, expect);
        }
        Octets m = SnpLaunchMeasurement.compute(new SnpLaunchMeasurement.Inputs(firmware,
            ovmfHash == null ? Optional.empty() : Optional.of(Inputs.hex(ovmfHash, 48, "--ovmf-hash")), k, i, Optional.ofNullable(append),
            vcpus, sig, vmmType, guestFeatures));
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("mode", mode);
        inputs.put("ovmf_sha256", sha256(firmware));
        inputs.put("ovmf_hash", ovmfHash == null ? SnpLaunchMeasurement.firmwareDigest(firmware).hex() : ovmfHash);
        k.ifPresent(b -> inputs.put("kernel_sha256", sha256(b)));
        i.ifPresent(b -> inputs.put("initrd_sha256", sha256(b)));
        if (append != null) {
          inputs.put("append", append);
        }
        inputs.put("vcpus", vcpus);
        inputs.put("vcpu_sig", String.format("0x%x", sig));
        inputs.put("vmm_type", vmmType.name().toLowerCase(java.util.Locale.ROOT));
        inputs.put("guest_features", String.format("0x%x", guestFeatures));
        return report(spec, json, "sev-snp", m.hex(), inputs, expect);
      } catch (MeasurementException e) {
        spec.commandLine().getErr().println("cloister: cannot measure: " + e.getMessage());
        return ExitCodes.REJECTED;
      }
    }

    private static String sha256(byte[] b) {
      try {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Command(name = "workload", mixinStandardHelpOptions = true,
      description = {"The simulated launch measurement of a workload bundle: SHA-384 over the RFC 8785 manifest of its files",
          "(path, size, SHA-256). One changed byte of code or configuration changes it, as a rebuilt VM image would.",
          "--init writes the built-in pooled logistic-regression bundle to DIR first."},
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:measured", "1:failed, or --expect differs", "2:usage error"})
  static final class Workload implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--bundle", required = true, paramLabel = "DIR") Path bundle;
    @Option(names = "--init", description = "Write the built-in workload bundle to DIR first.") boolean init;
    @Option(names = "--json") boolean json;
    @Option(names = "--expect", paramLabel = "HEX", description = "Exit 1 if the measurement differs.") String expect;

    @Override
    public Integer call() throws Exception {
      if (init) {
        WorkloadBundle.writeLogisticRegression(bundle, WorkloadConfig.readmission(), WorkloadBundle.codeJar());
      } else if (!Files.isRegularFile(bundle.resolve(WorkloadBundle.CONFIG))) {
        throw new UsageException(bundle + " is not a workload bundle (no " + WorkloadBundle.CONFIG + "); --init writes one");
      }
      WorkloadBundle.Measured m = WorkloadBundle.measure(bundle);
      return report(spec, json, "workload", m.measurement().hex(), Map.of("files", m.files()), expect);
    }
  }
}
