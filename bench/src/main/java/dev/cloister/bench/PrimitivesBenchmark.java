package dev.cloister.bench;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
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
 * The other hot primitives, under each provider: RSA-4096 PSS verify (AMD's ARK/ASK/VCEK chain),
 * SHA-256 over 1 MiB (dataset digests), SHA-384 over an SNP report's signed part, and HKDF-SHA256
 * as Tink's streaming AEAD derives a segment key (extract + one expand block, with HMAC).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PrimitivesBenchmark {
  @Param({"jdk", "accp"})
  public String provider;

  private Signature pss;
  private byte[] tbs;
  private byte[] pssSignature;
  private byte[] mib;
  private byte[] report;
  private MessageDigest sha256;
  private MessageDigest sha384;
  private Mac hmac;
  private byte[] ikm;
  private byte[] salt;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Providers.use(provider);
    SecureRandom r = new SecureRandom();
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(new RSAKeyGenParameterSpec(4096, RSAKeyGenParameterSpec.F4));
    KeyPair kp = g.generateKeyPair();
    tbs = new byte[1400];
    r.nextBytes(tbs);
    PSSParameterSpec spec = new PSSParameterSpec("SHA-384", "MGF1", MGF1ParameterSpec.SHA384, 48, 1);
    Signature s = Signature.getInstance("RSASSA-PSS");
    s.setParameter(spec);
    s.initSign(kp.getPrivate());
    s.update(tbs);
    pssSignature = s.sign();
    pss = Signature.getInstance("RSASSA-PSS");
    pss.setParameter(spec);
    pss.initVerify(kp.getPublic());
    mib = new byte[1 << 20];
    r.nextBytes(mib);
    report = new byte[672];
    r.nextBytes(report);
    sha256 = MessageDigest.getInstance("SHA-256");
    sha384 = MessageDigest.getInstance("SHA-384");
    hmac = Mac.getInstance("HmacSHA256");
    ikm = new byte[32];
    salt = new byte[32];
    r.nextBytes(ikm);
    r.nextBytes(salt);
  }

  @Benchmark
  public boolean rsa4096PssVerify() throws Exception {
    pss.update(tbs);
    return pss.verify(pssSignature);
  }

  @Benchmark
  public byte[] sha256Of1MiB() {
    return sha256.digest(mib);
  }

  @Benchmark
  public byte[] sha384OfReport() {
    return sha384.digest(report);
  }

  @Benchmark
  public byte[] hkdfSha256() throws Exception {
    hmac.init(new SecretKeySpec(salt, "HmacSHA256"));
    byte[] prk = hmac.doFinal(ikm);
    hmac.init(new SecretKeySpec(prk, "HmacSHA256"));
    hmac.update((byte) 1);
    return hmac.doFinal();
  }
}
