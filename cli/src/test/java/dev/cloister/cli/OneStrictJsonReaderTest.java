package dev.cloister.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeInstruction;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 12: every JSON document Cloister reads goes through {@code attestation.json}
 * (StrictJson): duplicate keys and trailing content refused. Checked in the bytecode of every main
 * class, so a new {@code new ObjectMapper().readTree(...)} anywhere fails the build, whatever the
 * variable is called; writing JSON and converting trees already read stay free.
 */
class OneStrictJsonReaderTest {
  /** Jackson's entry points that turn text into a document. */
  private static final Set<String> READER_OWNERS = Set.of("com/fasterxml/jackson/databind/ObjectMapper",
      "com/fasterxml/jackson/databind/json/JsonMapper", "com/fasterxml/jackson/databind/ObjectReader",
      "com/fasterxml/jackson/core/JsonFactory", "com/fasterxml/jackson/core/TokenStreamFactory",
      "com/fasterxml/jackson/databind/MappingJsonFactory");
  private static final Set<String> READS = Set.of("readTree", "readValue", "readValues", "reader", "readerFor", "readerForUpdating",
      "readerForArrayOf", "readerForListOf", "readerForMapOf", "readerWithView", "createParser", "createNonBlockingByteArrayParser");

  /** Where a read may stay, and why. Keep this short: every entry is a reader no strict option covers. */
  private static final Map<String, String> ALLOWED = Map.of(
      "dev/cloister/attestation/json/", "the strict reader itself (StrictJson, PolicyJson)",
      "dev/cloister/ledger/AuditEntry",
      "the ledger sits below attestation; an entry must equal its own RFC 8785 re-encoding, which refuses duplicate keys and trailing bytes");

  /** One class per module, to find each module's compiled classes. */
  private static final List<Class<?>> MODULES = List.of(dev.cloister.attestation.json.StrictJson.class, dev.cloister.ledger.AuditEntry.class,
      dev.cloister.enclave.kbs.KbsClient.class, dev.cloister.broker.Broker.class, dev.cloister.cleanroom.contract.Contract.class, Main.class);

  @Test
  void noMainClassReadsJsonOutsideTheStrictReader() throws Exception {
    List<String> found = new ArrayList<>();
    for (Class<?> module : MODULES) {
      for (ClassModel c : classes(module)) {
        String name = c.thisClass().asInternalName();
        if (ALLOWED.keySet().stream().noneMatch(name::startsWith)) {
          found.addAll(laxReads(c));
        }
      }
    }
    assertThat(found).as("read JSON with dev.cloister.attestation.json.StrictJson (object, bind, parser) instead").isEmpty();
  }

  /** The check can fail: it finds a lax read where there is one. */
  @Test
  void theCheckFindsALaxRead() throws Exception {
    byte[] bytes;
    try (var in = LaxReader.class.getResourceAsStream("OneStrictJsonReaderTest$LaxReader.class")) {
      bytes = in.readAllBytes();
    }
    assertThat(laxReads(ClassFile.of().parse(bytes)))
        .containsExactly("dev/cloister/cli/OneStrictJsonReaderTest$LaxReader.read calls com/fasterxml/jackson/databind/ObjectMapper.readTree");
  }

  static final class LaxReader {
    static Object read(byte[] json) throws IOException {
      return new ObjectMapper().readTree(json);
    }
  }

  private static List<String> laxReads(ClassModel c) {
    List<String> found = new ArrayList<>();
    for (MethodModel m : c.methods()) {
      for (CodeModel code : m.code().stream().toList()) {
        code.forEach(e -> {
          if (e instanceof InvokeInstruction i && READER_OWNERS.contains(i.owner().asInternalName()) && READS.contains(i.name().stringValue())) {
            found.add(c.thisClass().asInternalName() + "." + m.methodName().stringValue() + " calls " + i.owner().asInternalName() + "."
                + i.name().stringValue());
          }
        });
      }
    }
    return found;
  }

  private static List<ClassModel> classes(Class<?> anyInModule) throws IOException, URISyntaxException {
    Path root = Path.of(anyInModule.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<ClassModel> out = new ArrayList<>();
    if (Files.isDirectory(root)) {
      collect(root, out);
    } else {
      try (FileSystem jar = FileSystems.newFileSystem(root)) {
        collect(jar.getPath("/"), out);
      }
    }
    assertThat(out).as("classes of " + root).isNotEmpty();
    return out;
  }

  private static void collect(Path root, List<ClassModel> out) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path f : s.filter(p -> p.toString().endsWith(".class")).toList()) {
        out.add(ClassFile.of().parse(Files.readAllBytes(f)));
      }
    }
  }
}
