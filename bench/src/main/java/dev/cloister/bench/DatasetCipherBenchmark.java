package dev.cloister.bench;

import dev.cloister.cleanroom.dataset.DataKey;
import dev.cloister.cleanroom.dataset.DatasetCipher;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Cloister's dataset cipher, warm, streaming 64 MiB through memory: the code of
 * {@code dataset encrypt/decrypt} without the files and without a JVM start (encrypt includes the
 * ciphertext's SHA-256, as the command prints it for the contract). Scores are datasets per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DatasetCipherBenchmark {
  public static final int DATASET = 64 << 20;

  @Param({"jdk", "accp"})
  public String provider;

  private DataKey dataKey;
  private byte[] dataset;
  private byte[] datasetSealed;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Providers.use(provider);
    dataKey = DataKey.generate();
    dataset = new byte[DATASET];
    new SecureRandom().nextBytes(dataset);
    ByteArrayOutputStream b = new ByteArrayOutputStream(DATASET + (1 << 20));
    DatasetCipher.encrypt(dataKey, "bench", new ByteArrayInputStream(dataset), b, n -> {});
    datasetSealed = b.toByteArray();
  }

  @Benchmark
  public String datasetEncrypt64MiB() throws Exception {
    return DatasetCipher.encrypt(dataKey, "bench", new ByteArrayInputStream(dataset), OutputStream.nullOutputStream(), n -> {});
  }

  @Benchmark
  public long datasetDecrypt64MiB() throws Exception {
    long[] done = {0};
    DatasetCipher.decrypt(dataKey, "bench", new ByteArrayInputStream(datasetSealed), OutputStream.nullOutputStream(), n -> done[0] = n);
    return done[0];
  }
}
