package dev.cloister.bench;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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
 * Warm AES-256-GCM, the in-JVM limit for dataset encryption: the bare JCA loop on 1 MiB buffers,
 * a fresh IV per message, output into a preallocated buffer. Scores are messages per second;
 * bench/run turns them into MB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AesGcmBenchmark {
  public static final int BUFFER = 1 << 20;

  @Param({"jdk", "accp"})
  public String provider;

  private final SecureRandom random = new SecureRandom();
  private SecretKeySpec key;
  private Cipher cipher;
  private byte[] plain;
  private byte[] sealed;
  private byte[] out;
  private byte[] iv;
  private byte[] sealedIv;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Providers.use(provider);
    byte[] k = new byte[32];
    random.nextBytes(k);
    key = new SecretKeySpec(k, "AES");
    cipher = Cipher.getInstance("AES/GCM/NoPadding");
    plain = new byte[BUFFER];
    random.nextBytes(plain);
    out = new byte[BUFFER + 16];
    iv = new byte[12];
    random.nextBytes(iv);
    cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
    sealed = cipher.doFinal(plain);
    sealedIv = iv.clone(); // decryption reuses the IV the message was sealed with, as every reader does
    // The JDK compiles its GCM intrinsics only once the callers are hot; small messages get there
    // in about a second, 1 MiB messages take ten. Warm-up is JMH's job, this only shortens it.
    byte[] small = new byte[16 << 10];
    long until = System.nanoTime() + 1_500_000_000L;
    while (System.nanoTime() < until) {
      nextIv();
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
      cipher.doFinal(small, 0, small.length, out, 0);
    }
  }

  private void nextIv() {
    // A counter IV: unique per message under this key, which is all GCM needs (and SunJCE checks).
    ByteBuffer.wrap(iv).putLong(4, ByteBuffer.wrap(iv).getLong(4) + 1);
  }

  @Benchmark
  public int aesGcmEncrypt1MiB() throws Exception {
    nextIv();
    cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
    return cipher.doFinal(plain, 0, plain.length, out, 0);
  }

  @Benchmark
  public int aesGcmDecrypt1MiB() throws Exception {
    cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, sealedIv));
    return cipher.doFinal(sealed, 0, sealed.length, out, 0);
  }
}
