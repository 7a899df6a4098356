package dev.cloister.cleanroom.workload;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.Octets;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * A workload bundle: a directory with the workload's code and configuration ({@code workload.json}).
 * Its measurement, in simulation, is SHA-384 over the RFC 8785 manifest of every file (relative
 * path, size, SHA-256), so changing one byte of code or configuration changes the measurement,
 * exactly as rebuilding a confidential VM image would change its launch digest.
 */
public final class WorkloadBundle {
  public static final String CONFIG = "workload.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private WorkloadBundle() {}

  /** The measurement and the manifest it was computed from. */
  public record Measured(Octets measurement, List<Map<String, Object>> files) {}

  public static Measured measure(Path dir) throws IOException {
    if (!Files.isRegularFile(dir.resolve(CONFIG))) {
      throw new IOException(dir + " is not a workload bundle: no " + CONFIG);
    }
    List<Path> paths;
    try (Stream<Path> s = Files.walk(dir)) {
      paths = s.filter(Files::isRegularFile).sorted().toList();
    }
    List<Map<String, Object>> files = new ArrayList<>();
    for (Path p : paths) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("path", dir.relativize(p).toString().replace('\\', '/'));
      f.put("size", Files.size(p));
      f.put("sha256", sha256(p));
      files.add(f);
    }
    Map<String, Object> manifest = Map.of("format", "cloister-workload-bundle-v1", "files", files);
    try {
      byte[] canonical = new JsonCanonicalizer(JSON.writeValueAsString(manifest)).getEncodedUTF8();
      return new Measured(Octets.copyOf(MessageDigest.getInstance("SHA-384").digest(canonical)), files);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        d.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The code the built-in workload runs, measured with its configuration: the jar this class was
   * loaded from, or null when it runs from a classes directory (a build tree).
   */
  public static Path codeJar() {
    try {
      Path p = Path.of(WorkloadBundle.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isRegularFile(p) ? p : null;
    } catch (Exception e) {
      return null;
    }
  }

  /** Writes the built-in logistic-regression bundle: its configuration and, as its code, the given jar. */
  public static void writeLogisticRegression(Path dir, WorkloadConfig config, Path code) throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
    if (code != null && Files.isRegularFile(code)) {
      Files.copy(code, dir.resolve("code.jar"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  public static WorkloadConfig config(Path dir) throws IOException {
    try {
      return dev.cloister.attestation.json.StrictJson.bind(Files.readAllBytes(dir.resolve(CONFIG)), WorkloadConfig.class, CONFIG, 1 << 20);
    } catch (dev.cloister.attestation.MalformedEvidenceException e) {
      throw new IOException(dir.resolve(CONFIG) + ": " + e.getMessage(), e);
    }
  }
}
