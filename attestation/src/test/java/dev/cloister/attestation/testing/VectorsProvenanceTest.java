package dev.cloister.attestation.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The carried samples stay accounted for: every file under {@code testdata/vectors/<upstream>/} has
 * exactly one PROVENANCE line (repository, commit, original path), every line names a file that is
 * there, and every upstream folder carries its licence text, which must be a permissive one.
 */
class VectorsProvenanceTest {
  private static final Pattern LINE =
      Pattern.compile("(\\S+)  ([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)@([0-9a-f]{40})  (\\S.*)");

  @Test
  void everyUpstreamFolderHasItsLicenceAndAProvenanceLinePerFile() throws IOException {
    List<Path> upstreams;
    try (Stream<Path> s = Files.list(Vectors.root())) {
      upstreams = s.filter(Files::isDirectory).sorted().toList();
    }
    assertThat(upstreams).extracting(p -> p.getFileName().toString())
        .contains("go-sev-guest", "go-tdx-guest", "trustee", "sev", "sev-snp-measure",
            "attestation-doc-validation", "dcap-qvl", "dcap-rs");
    List<String> problems = new ArrayList<>();
    for (Path up : upstreams) {
      String name = up.getFileName().toString();
      Path licence = up.resolve("LICENSE");
      if (!Files.isRegularFile(licence)) {
        problems.add(name + ": no LICENSE");
      } else {
        String text = Files.readString(licence);
        if (!text.contains("Apache License") && !text.startsWith("MIT License")) {
          problems.add(name + ": LICENSE is neither Apache-2.0 nor MIT");
        }
      }
      Set<String> listed = new TreeSet<>();
      for (String line : Files.readAllLines(up.resolve("PROVENANCE"))) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        var m = LINE.matcher(line);
        if (!m.matches()) {
          problems.add(name + ": malformed PROVENANCE line: " + line);
        } else if (!listed.add(m.group(1))) {
          problems.add(name + ": listed twice: " + m.group(1));
        }
      }
      Set<String> present = new TreeSet<>();
      try (Stream<Path> s = Files.walk(up)) {
        s.filter(Files::isRegularFile).map(p -> up.relativize(p).toString().replace('\\', '/'))
            .filter(p -> !p.equals("LICENSE") && !p.equals("PROVENANCE")).forEach(present::add);
      }
      for (String f : present) {
        if (!listed.contains(f)) {
          problems.add(name + ": " + f + " has no PROVENANCE line");
        }
      }
      for (String f : listed) {
        if (!present.contains(f)) {
          problems.add(name + ": PROVENANCE lists " + f + ", which is not there");
        }
      }
    }
    assertThat(problems).isEmpty();
  }
}
