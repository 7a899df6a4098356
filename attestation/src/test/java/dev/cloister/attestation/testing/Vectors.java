package dev.cloister.attestation.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the real evidence samples the repository carries ({@code testdata/vectors/}: each upstream's
 * files with its {@code LICENSE} and a {@code PROVENANCE} line per file; {@code INDEX.md} says what
 * each must give), so tests read them in place.
 *
 * <p>A missing sample is an {@link AssertionError}, never a skip: a test run that cannot read the
 * evidence it is about has proven nothing and must say so.
 */
public final class Vectors {
  private Vectors() {}

  /** The vectors folder: {@code testdata/vectors} in the nearest directory at or above the working directory. */
  public static Path root() {
    return locate();
  }

  /** The path of a sample, relative to the vectors folder (as in its {@code INDEX.md}); it must exist. */
  public static Path require(String relative) {
    Path p = locate().resolve(relative);
    if (!Files.exists(p)) {
      throw new AssertionError("real evidence sample missing: " + p + " (the repository carries every sample its tests read)");
    }
    return p;
  }

  /** Reads a sample's bytes; see {@link #require(String)}. */
  public static byte[] read(String relative) {
    try {
      return Files.readAllBytes(require(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path locate() {
    // Surefire runs each module's tests in the module directory; the folder sits at the repository root.
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("testdata").resolve("vectors");
      if (Files.isRegularFile(candidate.resolve("INDEX.md"))) {
        return candidate;
      }
    }
    throw new AssertionError("testdata/vectors/INDEX.md not found at or above " + Path.of("").toAbsolutePath());
  }
}
