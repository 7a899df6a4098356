package dev.cloister.attestation.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the shared folder of real evidence samples ({@code shared/vectors/}, beside the repository)
 * so tests read them in place; they are never copied into the repository.
 *
 * <p>Where the folder is absent (a user's clone) a test should skip with a message; under
 * {@code CI=true} it must fail instead, so a CI run can never pass by skipping the real evidence.
 * {@link #require(String)} implements exactly that with JUnit's assumption mechanism, found
 * reflectively so this class has no test-framework dependency.
 */
public final class Vectors {
  /** Environment variable that overrides the search. */
  public static final String ENV = "CLOISTER_VECTORS";

  private Vectors() {}

  /** The vectors folder, searched upward from the working directory as {@code shared/vectors}. */
  public static Optional<Path> root() {
    String env = System.getenv(ENV);
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      return Files.isRegularFile(p.resolve("INDEX.md")) ? Optional.of(p) : Optional.empty();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared").resolve("vectors");
      if (Files.isRegularFile(candidate.resolve("INDEX.md"))) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** True when running in CI, where a missing sample is a failure, not a skip. */
  public static boolean inCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /**
   * The path of a sample, relative to the vectors folder (as in its {@code INDEX.md}). If the
   * folder or file is missing: under CI throws {@link AssertionError}; otherwise aborts the current
   * test as skipped (JUnit assumption) with a message saying what is missing.
   */
  public static Path require(String relative) {
    Optional<Path> root = root();
    String missing = null;
    if (root.isEmpty()) {
      missing = "shared/vectors/ not found above " + Path.of("").toAbsolutePath() + " (set " + ENV + ")";
    } else if (!Files.exists(root.get().resolve(relative))) {
      missing = "vector " + relative + " missing under " + root.get();
    }
    if (missing == null) {
      return root.get().resolve(relative);
    }
    if (inCi()) {
      throw new AssertionError("CI=true and real evidence is missing: " + missing);
    }
    throw skip(missing);
  }

  /** Reads a sample's bytes, with {@link #require(String)}'s rules. */
  public static byte[] read(String relative) {
    try {
      return Files.readAllBytes(require(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static RuntimeException skip(String message) {
    try {
      Class<?> c = Class.forName("org.opentest4j.TestAbortedException");
      return (RuntimeException) c.getConstructor(String.class).newInstance("skipped: " + message);
    } catch (ReflectiveOperationException e) {
      return new IllegalStateException("skipped: " + message);
    }
  }
}
