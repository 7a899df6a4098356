package dev.cloister.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.Utf8Entry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The storage package sits below the rest of the broker ({@code release}, {@code kbs}, {@code http}
 * depend on it, never the reverse): read from the compiled classes' constant pools, so any
 * reference counts, not only an import.
 */
class StoreDependsOnNoOtherBrokerPackageTest {
  private static final Pattern OTHER_BROKER_CLASS = Pattern.compile("dev/cloister/broker/(?!store/)[A-Za-z0-9_/$]+");

  @Test
  void noStoreClassReferencesAnotherBrokerPackage() throws Exception {
    Path classes = Path.of(BrokerStore.class.getProtectionDomain().getCodeSource().getLocation().toURI()).resolve("dev/cloister/broker/store");
    List<String> found = new ArrayList<>();
    List<String> offending = new ArrayList<>();
    try (Stream<Path> files = Files.list(classes)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        found.add(f.getFileName().toString());
        // Every class name, field type and method descriptor is a UTF-8 constant.
        for (var entry : ClassFile.of().parse(f).constantPool()) {
          if (entry instanceof Utf8Entry u) {
            Matcher m = OTHER_BROKER_CLASS.matcher(u.stringValue());
            while (m.find()) {
              offending.add(f.getFileName() + " -> " + m.group());
            }
          }
        }
      }
    }
    assertThat(found).contains("BrokerStore.class", "ResourcePath.class");
    assertThat(offending).isEmpty();
  }
}
