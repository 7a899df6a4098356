package dev.cloister.cli;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.measure.LaunchMeasurement;
import dev.cloister.attestation.snp.measure.MeasurementException;
import dev.cloister.attestation.snp.measure.SevLaunchMeasurement;
import dev.cloister.attestation.snp.measure.SnpLaunchMeasurement;
import dev.cloister.attestation.snp.measure.VcpuTypes;
import dev.cloister.attestation.snp.measure.VmmType;
import dev.cloister.cleanroom.workload.WorkloadBundle;
import dev.cloister.cleanroom.workload.WorkloadConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
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
      description = {"The launch measurement of an AMD SEV, SEV-ES or SEV-SNP guest VM from its build artifacts, with",
          "virtee sev-snp-measure's command line and output, so a pipeline can switch between the two without edits.",
          "Modes: snp (48 bytes: firmware, measured direct boot, VMSAs; --snp-ovmf-hash seeds it with a precomputed firmware",
          "digest, --ovmf then supplies only the tables), snp:ovmf-hash (prints that firmware digest of --ovmf), snp:svsm",
          "(an SVSM under QEMU: --svsm and --vars-size or --vars-file), seves and sev (32 bytes, SHA-256).",
          "An input the chosen mode would not measure (a kernel for snp:svsm, an --svsm for snp) is refused, not ignored."},
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:measured", "1:the inputs cannot be measured, or --expect differs", "2:usage error"})
  static final class Snp implements Callable<Integer> {
    /** sev-snp-measure's modes; {@code label} is what its --verbose output calls each. */
    enum Mode {
      SEV("sev", "SEV", "sev"), SEV_ES("seves", "SEV_ES", "sev-es"), SNP("snp", "SEV_SNP", "sev-snp"),
      SNP_OVMF_HASH("snp:ovmf-hash", null, "sev-snp-ovmf-hash"), SNP_SVSM("snp:svsm", "SEV_SNP_SVSM", "sev-snp");

      final String name;
      final String label;
      final String kind;

      Mode(String name, String label, String kind) {
        this.name = name;
        this.label = label;
        this.kind = kind;
      }

      static Mode of(String name) {
        for (Mode m : values()) {
          if (m.name.equals(name)) {
            return m;
          }
        }
        throw new UsageException("--mode must be one of sev, seves, snp, snp:ovmf-hash, snp:svsm; got '" + name + "'");
      }
    }

    @Spec CommandSpec spec;
    @Option(names = "--mode", defaultValue = "snp", description = "sev, seves, snp, snp:ovmf-hash or snp:svsm (default ${DEFAULT-VALUE}).") String mode;
    @Option(names = "--svsm", paramLabel = "PATH", description = "The SVSM image (snp:svsm).") Path svsm;
    @Option(names = "--vars-size", paramLabel = "SIZE", description = "Size in bytes of the OVMF variables store below the firmware (snp:svsm).") String varsSize;
    @Option(names = "--vars-file", paramLabel = "PATH", description = "The OVMF_VARS file, for its size (snp:svsm; instead of --vars-size).") Path varsFile;
    @Option(names = "--ovmf", required = true, paramLabel = "PATH") Path ovmf;
    @Option(names = {"--snp-ovmf-hash", "--ovmf-hash"}, paramLabel = "HASH",
        description = "Precalculated firmware digest (hex, from --mode snp:ovmf-hash) to start --mode snp from.") String ovmfHash;
    @Option(names = "--kernel", paramLabel = "PATH") Path kernel;
    @Option(names = "--initrd", paramLabel = "PATH", description = "Needs --kernel.") Path initrd;
    @Option(names = "--append", paramLabel = "CMDLINE", description = "Needs --kernel unless empty.") String append;
    @Option(names = "--vcpus", defaultValue = "1", paramLabel = "N") int vcpus;
    @Option(names = "--vcpu-type", paramLabel = "CPUTYPE", description = "EPYC, EPYC-v4, EPYC-Rome, EPYC-Milan, EPYC-Genoa, EPYC-Turin, ...") String vcpuType;
    @Option(names = "--vcpu-sig", paramLabel = "VALUE", description = "Decimal, or 0x/0o/0b-prefixed.") String vcpuSig;
    @Option(names = "--vcpu-family", paramLabel = "FAMILY") String family;
    @Option(names = "--vcpu-model", paramLabel = "MODEL") String model;
    @Option(names = "--vcpu-stepping", paramLabel = "STEPPING") String stepping;
    @Option(names = "--vmm-type", defaultValue = "QEMU", paramLabel = "VMMTYPE", description = "QEMU, ec2 or gce (default ${DEFAULT-VALUE}).") String vmm;
    @Option(names = "--guest-features", defaultValue = "0x1", paramLabel = "VALUE",
        description = "SEV_FEATURES of an SNP guest, decimal or 0x-prefixed hex (default ${DEFAULT-VALUE}: SNP active; 0x21 adds DebugSwap).") String features;
    @Option(names = "--output-format", defaultValue = "hex", paramLabel = "{hex,base64}", description = "hex or base64 (default ${DEFAULT-VALUE}).") String outputFormat;
    @Option(names = {"-v", "--verbose"}, description = "Print 'Calculated <MODE> guest measurement: ...'.") boolean verbose;
    @Option(names = "--dump-vmsa", description = "Write each vCPU's VMSA to vmsa<N>.bin in the current directory (seves, snp, snp:svsm).") boolean dumpVmsa;
    @Option(names = "--json") boolean json;
    @Option(names = "--expect", paramLabel = "HEX", description = "Exit 1 if the measurement differs (e.g. from the committed value).") String expect;

    @Override
    public Integer call() throws Exception {
      Mode m = Mode.of(mode);
      if (!outputFormat.equals("hex") && !outputFormat.equals("base64")) {
        throw new UsageException("--output-format must be hex or base64");
      }
      refuseWhatTheModeIgnores(m);
      long guestFeatures = pythonInt(features, "--guest-features"); // parsed in every mode, as argparse does
      byte[] firmware = Inputs.read(ovmf);
      Map<String, Object> inputs = new LinkedHashMap<>();
      inputs.put("mode", m.name);
      inputs.put("ovmf_sha256", sha256(firmware));
      try {
        if (m == Mode.SNP_OVMF_HASH) {
          // sev-snp-measure prints this digest in hex whatever --output-format and --verbose say
          String digest = SnpLaunchMeasurement.firmwareDigest(firmware).hex();
          if (json) {
            print(spec, true, m.kind, digest, inputs);
          } else {
            spec.commandLine().getOut().println(digest);
          }
          return expectation(digest);
        }
        VmmType vmmType = vmmType();
        int sig = m == Mode.SEV ? 0 : vcpuSignature(m, vmmType);
        Optional<byte[]> k = kernel == null ? Optional.empty() : Optional.of(Inputs.read(kernel));
        Optional<byte[]> i = initrd == null ? Optional.empty() : Optional.of(Inputs.read(initrd));
        Optional<String> a = Optional.ofNullable(append);
        k.ifPresent(b -> inputs.put("kernel_sha256", sha256(b)));
        i.ifPresent(b -> inputs.put("initrd_sha256", sha256(b)));
        if (kernel != null && append != null) {
          inputs.put("append", append);
        }
        LaunchMeasurement result = switch (m) {
          case SEV -> SevLaunchMeasurement.sev(firmware, k, i, a);
          case SEV_ES -> {
            putVcpus(inputs, sig, vmmType);
            yield SevLaunchMeasurement.sevEs(firmware, k, i, a, vcpus, sig, vmmType);
          }
          case SNP -> {
            inputs.put("ovmf_hash", ovmfHash == null ? SnpLaunchMeasurement.firmwareDigest(firmware).hex() : ovmfHash.toLowerCase(Locale.ROOT));
            putVcpus(inputs, sig, vmmType);
            inputs.put("guest_features", String.format("0x%x", guestFeatures));
            yield SnpLaunchMeasurement.compute(new SnpLaunchMeasurement.Inputs(firmware, precomputedFirmwareDigest(), k, i, a,
                vcpus, sig, vmmType, guestFeatures));
          }
          case SNP_SVSM -> {
            if (vmmType != VmmType.QEMU) {
              throw new UsageException("--mode snp:svsm is measured for QEMU only, not --vmm-type " + vmm); // upstream asserts the same
            }
            byte[] svsmImage = Inputs.read(svsm);
            long vars = varsSize();
            inputs.put("svsm_sha256", sha256(svsmImage));
            inputs.put("vars_size", vars);
            putVcpus(inputs, sig, vmmType);
            yield SnpLaunchMeasurement.computeSvsm(firmware, svsmImage, vars, vcpus, sig);
          }
          case SNP_OVMF_HASH -> throw new IllegalStateException("handled above");
        };
        if (dumpVmsa) {
          dump(result);
        }
        String hex = result.digest().hex();
        if (json) {
          print(spec, true, m.kind, hex, inputs);
        } else {
          String shown = outputFormat.equals("base64") ? Base64.getEncoder().encodeToString(result.digest().toByteArray()) : hex;
          spec.commandLine().getOut().println(verbose ? "Calculated " + m.label + " guest measurement: " + shown : shown);
        }
        return expectation(hex);
      } catch (MeasurementException e) {
        spec.commandLine().getErr().println("cloister: cannot measure: " + e.getMessage());
        return ExitCodes.REJECTED;
      }
    }

    private int expectation(String hex) {
      if (expect != null && !expect.toLowerCase(Locale.ROOT).equals(hex)) {
        spec.commandLine().getErr().println("cloister: measurement " + hex + " differs from the expected " + expect);
        return ExitCodes.REJECTED;
      }
      return ExitCodes.OK;
    }

    /**
     * sev-snp-measure ignores (or crashes on) inputs its mode does not use; a pipeline that passes
     * one believes it is measured, so here each is a usage error naming it.
     */
    private void refuseWhatTheModeIgnores(Mode m) {
      if (initrd != null && kernel == null) {
        throw new UsageException("--initrd needs --kernel");
      }
      if (append != null && !append.isEmpty() && kernel == null) {
        throw new UsageException("--append needs --kernel"); // an empty command line without a kernel is accepted, as upstream
      }
      if (ovmfHash != null && m != Mode.SNP) {
        throw new UsageException("--snp-ovmf-hash (or --ovmf-hash) seeds --mode snp with a precomputed firmware digest; "
            + "--mode " + m.name + (m == Mode.SNP_OVMF_HASH ? " prints that digest of --ovmf" : " cannot use one"));
      }
      if (varsSize != null && varsFile != null) {
        throw new UsageException("--vars-size and --vars-file exclude each other");
      }
      if (m == Mode.SNP_SVSM) {
        if (svsm == null || (varsSize == null && varsFile == null)) {
          throw new UsageException("--mode snp:svsm needs --svsm and --vars-size or --vars-file");
        }
        if (kernel != null) {
          throw new UsageException("--mode snp:svsm measures no direct boot: --kernel does not apply");
        }
      } else if (svsm != null || varsSize != null || varsFile != null) {
        throw new UsageException("--svsm, --vars-size and --vars-file go with --mode snp:svsm");
      }
      if (m == Mode.SNP_OVMF_HASH && kernel != null) {
        throw new UsageException("--mode snp:ovmf-hash digests the firmware alone: --kernel does not apply (measure it with --mode snp)");
      }
      if (dumpVmsa && (m == Mode.SEV || m == Mode.SNP_OVMF_HASH)) {
        throw new UsageException("--dump-vmsa: --mode " + m.name + " measures no VMSA (seves, snp and snp:svsm do)");
      }
    }

    private Optional<Octets> precomputedFirmwareDigest() {
      if (ovmfHash == null) {
        return Optional.empty();
      }
      Octets o;
      try {
        o = Octets.fromHex(ovmfHash);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--snp-ovmf-hash: " + e.getMessage());
      }
      if (o.length() != 48) {
        throw new UsageException("--snp-ovmf-hash: a firmware digest is 48 bytes (96 hex digits), got " + o.length());
      }
      return Optional.of(o);
    }

    private VmmType vmmType() {
      try {
        return VmmType.of(vmm);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--vmm-type: " + e.getMessage());
      }
    }

    /** sev-snp-measure's precedence: family/model/stepping, then --vcpu-sig, then --vcpu-type. */
    private int vcpuSignature(Mode m, VmmType vmmType) {
      if (family != null || model != null || stepping != null) {
        if (family == null || model == null || stepping == null) {
          throw new UsageException("--vcpu-family, --vcpu-model and --vcpu-stepping go together");
        }
        return VcpuTypes.signature(decimal(family, "--vcpu-family"), decimal(model, "--vcpu-model"), decimal(stepping, "--vcpu-stepping"));
      }
      if (vcpuSig != null) {
        long v = pythonInt(vcpuSig, "--vcpu-sig");
        if (v < 0 || v > 0xFFFFFFFFL) {
          throw new UsageException("--vcpu-sig must fit in 32 bits");
        }
        return (int) v;
      }
      if (vcpuType != null) {
        try {
          return VcpuTypes.of(vcpuType);
        } catch (IllegalArgumentException e) {
          throw new UsageException("--vcpu-type: " + e.getMessage());
        }
      }
      if (vmmType == VmmType.QEMU) {
        throw new UsageException("missing --vcpu-type or --vcpu-sig or --vcpu-family in guest mode '" + m.name + "'");
      }
      return 0; // EC2 and GCE put 0x600 in RDX whatever the model
    }

    private long varsSize() {
      if (varsFile != null) {
        try {
          return Files.size(varsFile);
        } catch (java.io.IOException e) {
          throw new UsageException("cannot read " + varsFile + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
        }
      }
      long v = decimal(varsSize, "--vars-size");
      if (v == 0) {
        throw new UsageException("--mode snp:svsm needs a non-zero --vars-size or --vars-file");
      }
      return v;
    }

    private void putVcpus(Map<String, Object> inputs, int sig, VmmType vmmType) {
      inputs.put("vcpus", vcpus);
      inputs.put("vcpu_sig", String.format("0x%x", sig));
      inputs.put("vmm_type", vmmType.name().toLowerCase(Locale.ROOT));
    }

    /** As sev-snp-measure: vmsa0.bin, vmsa1.bin, ... in the working directory. */
    private void dump(LaunchMeasurement result) {
      for (int n = 0; n < result.vmsas().size(); n++) {
        Path out = Path.of("vmsa" + n + ".bin");
        try {
          Files.write(out, result.vmsas().get(n).toByteArray());
        } catch (java.io.IOException e) {
          throw new UsageException("--dump-vmsa: cannot write " + out.toAbsolutePath() + ": " + e.getMessage());
        }
      }
    }

    private static final Pattern PYTHON_INT = Pattern.compile("([+-]?)(?:0[xX](_?[0-9a-fA-F])+|0[oO](_?[0-7])+|0[bB](_?[01])+|[1-9](_?[0-9])*|0+(_?0)*)");

    /** Python's {@code int(s, 0)}, which sev-snp-measure applies to --guest-features and --vcpu-sig: "33" is decimal, "0x21" hex. */
    static long pythonInt(String s, String option) {
      String t = s.strip();
      if (!PYTHON_INT.matcher(t).matches()) {
        throw new UsageException(option + ": not an integer (decimal, or 0x/0o/0b-prefixed): " + s);
      }
      boolean negative = t.startsWith("-");
      String digits = t.replaceFirst("^[+-]", "").replace("_", "");
      int radix = 10;
      if (digits.length() > 1 && Character.isLetter(digits.charAt(1))) {
        radix = switch (Character.toLowerCase(digits.charAt(1))) {
          case 'x' -> 16;
          case 'o' -> 8;
          default -> 2;
        };
        digits = digits.substring(2);
      }
      try {
        long v = Long.parseUnsignedLong(digits, radix);
        if (negative) {
          throw new UsageException(option + ": must not be negative: " + s);
        }
        return v;
      } catch (NumberFormatException e) {
        throw new UsageException(option + ": out of range: " + s);
      }
    }

    /** Python's {@code int(s)}, which sev-snp-measure applies to --vcpu-family/-model/-stepping and --vars-size. */
    static int decimal(String s, String option) {
      String t = s.strip();
      if (!t.matches("\\+?[0-9](_?[0-9])*")) {
        throw new UsageException(option + ": not a non-negative decimal integer: " + s);
      }
      try {
        return Integer.parseInt(t.replace("_", "").replaceFirst("^\\+", ""));
      } catch (NumberFormatException e) {
        throw new UsageException(option + ": out of range: " + s);
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
