package dev.cloister.cli;

import java.nio.file.Path;

/** Where the simulated platform keeps its state unless {@code --platform} says otherwise. */
final class SimulatedPlatformDir {
  private SimulatedPlatformDir() {}

  /** {@code $CLOISTER_HOME/simulated-platform}, with {@code CLOISTER_HOME} defaulting to {@code ~/.cloister}. */
  static Path defaultDir() {
    String home = System.getenv("CLOISTER_HOME");
    Path base = home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.home"), ".cloister");
    return base.resolve("simulated-platform");
  }
}
