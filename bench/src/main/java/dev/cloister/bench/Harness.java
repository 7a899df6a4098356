package dev.cloister.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cloister.attestation.crypto.CryptoProviders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Whole-path measurements that JMH cannot express (a broker under concurrent load, a job of
 * minutes): {@code release} and {@code job}, each printing one JSON object on stdout, progress on
 * stderr. bench/run runs them; each figure comes with its baseline measured in the same JVM.
 *
 * <pre>
 *   java -cp benchmarks.jar dev.cloister.bench.Harness release [--clients 1,16,64] [--seconds S] [--flood N]
 *   java -cp benchmarks.jar dev.cloister.bench.Harness job [--sizes 60000,600000] [--reps N]
 * </pre>
 */
public final class Harness {
  private Harness() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: Harness release|job [options]");
      System.exit(2);
    }
    CryptoProviders.Status provider = CryptoProviders.install();
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("provider", provider.toString());
    out.put("jvm", Runtime.version().toString());
    out.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
    out.put("jvm_args", ManagementFactory.getRuntimeMXBean().getInputArguments());
    switch (args[0]) {
      case "release" -> out.putAll(ReleaseLoad.run(opts));
      case "job" -> out.putAll(JobOverhead.run(opts));
      default -> {
        System.err.println("unknown harness: " + args[0]);
        System.exit(2);
      }
    }
    System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
    System.exit(0); // brokers' and HTTP clients' threads must not keep the JVM alive
  }

  static int[] ints(String csv) {
    return java.util.Arrays.stream(csv.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
  }

  static void say(String s) {
    System.err.println("  " + s);
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  /** Removes a harness's working directory (broker state, datasets), which may sit in /dev/shm. */
  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> {
        try {
          Files.delete(f);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }}
