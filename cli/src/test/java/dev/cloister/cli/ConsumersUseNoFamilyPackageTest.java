package dev.cloister.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloister.broker.Broker;
import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.Utf8Entry;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, part 1: the CLI and the broker reach the TEE families only through the registry
 * ({@code dev.cloister.attestation.tee}). Read from the compiled classes' constant pools, so any
 * reference counts (a method descriptor too), not only an import.
 */
class ConsumersUseNoFamilyPackageTest {
  private static final Pattern FAMILY_CLASS = Pattern.compile("dev/cloister/attestation/(snp|dcap|nitro|azure)/[A-Za-z0-9_/$]+");

  /** The simulated platform's root: a value the enclave module makes and the registry's context takes, passed through untouched. */
  private static final String SIMULATED_ROOT = "dev/cloister/attestation/snp/verify/TrustAnchor";

  /**
   * Commands that are not evidence verification, and what of a family they use: the launch
   * measurement calculator, the simulated platform's own output, and the SEV-SNP field dump.
   */
  private static final Map<String, String> NOT_VERIFICATION = Map.of(
      "MeasureCommand$Snp.class", "dev/cloister/attestation/snp/measure/",
      "AttestSimulate.class", "dev/cloister/attestation/snp/",
      "AttestInspect.class", "dev/cloister/attestation/snp/");

  @Test
  void theBrokerReferencesNoFamilyPackage() throws Exception {
    List<String> offending = new ArrayList<>();
    Set<String> classes = scan(Path.of(Broker.class.getProtectionDomain().getCodeSource().getLocation().toURI()), offending, Map.of());
    assertThat(classes).contains("dev/cloister/broker/Broker.class", "dev/cloister/broker/kbs/KbsService.class");
    assertThat(offending).isEmpty();
  }

  @Test
  void theCliReferencesNoFamilyPackageOutsideItsNonVerificationCommands() throws Exception {
    List<String> offending = new ArrayList<>();
    Set<String> classes = scan(Path.of(AttestVerify.class.getProtectionDomain().getCodeSource().getLocation().toURI()), offending, NOT_VERIFICATION);
    assertThat(classes).contains("dev/cloister/cli/AttestVerify.class", "dev/cloister/cli/JobCommand$VerifyReceipt.class");
    assertThat(offending).isEmpty();
  }

  /** Every class under {@code root} (a directory or a jar); what it references of a family, unless allowed, goes to {@code offending}. */
  private static Set<String> scan(Path root, List<String> offending, Map<String, String> allowed) throws Exception {
    if (Files.isRegularFile(root)) {
      try (FileSystem jar = FileSystems.newFileSystem(root)) {
        return scan(jar.getPath("/"), offending, allowed);
      }
    }
    Set<String> found = new TreeSet<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        String name = root.relativize(f).toString().replace('\\', '/');
        found.add(name);
        String allowedPrefix = allowed.get(f.getFileName().toString());
        for (var entry : ClassFile.of().parse(Files.readAllBytes(f)).constantPool()) {
          if (entry instanceof Utf8Entry u) {
            Matcher m = FAMILY_CLASS.matcher(u.stringValue());
            while (m.find()) {
              String ref = m.group();
              if (!ref.equals(SIMULATED_ROOT) && (allowedPrefix == null || !ref.startsWith(allowedPrefix))) {
                offending.add(name + " -> " + ref);
              }
            }
          }
        }
      }
    }
    return found;
  }
}
