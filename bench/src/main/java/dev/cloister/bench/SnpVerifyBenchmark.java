package dev.cloister.bench;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.snp.verify.SnpEvidence;
import dev.cloister.attestation.snp.verify.SnpVerifier;
import dev.cloister.attestation.snp.verify.VerifiedSnpReport;
import dev.cloister.attestation.snp.verify.VerifyOptions;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
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
 * SEV-SNP report verification with a cached chain (the certificate path of a known VCEK is
 * remembered; validity, binding and the report's ECDSA P-384 signature are checked every time)
 * against the bare ECDSA P-384 verify it rests on, under each provider. The ratio is the cost of
 * everything Cloister adds. Evidence comes from the simulated platform, whose reports are
 * byte-exact SEV-SNP v3.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SnpVerifyBenchmark {
  @Param({"jdk", "accp"})
  public String provider;

  private SnpVerifier verifier;
  private SnpEvidence evidence;
  private byte[] signed;
  private byte[] signature;
  private PublicKey vcekKey;
  private Signature bare;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Providers.use(provider);
    Path dir = Files.createTempDirectory("cloister-bench").resolve("platform");
    SimulatedSnpPlatform platform = SimulatedSnpPlatform.openOrCreate(dir, Clock.systemUTC());
    SnpReport report = platform.report(SimulatedSnpPlatform.ReportRequest.builder()
        .measurement(Octets.fromHex("ab".repeat(48))).build());
    evidence = SnpEvidence.of(report, platform.vcek());
    verifier = new SnpVerifier(VerifyOptions.builder().addTrustAnchor(platform.trustAnchor()).build());
    verifier.verify(evidence); // fills the path cache, as a broker's first report from a chip does
    signed = report.signedBytes();
    signature = report.signatureP1363();
    vcekKey = platform.vcek().getPublicKey();
    bare = Signature.getInstance("SHA384withECDSAinP1363Format");
    bare.initVerify(vcekKey);
  }

  @Benchmark
  public VerifiedSnpReport snpVerifyCachedChain() throws Exception {
    return verifier.verify(evidence);
  }

  /** The floor: one engine, initialised once; each operation is hash + verify and nothing else. */
  @Benchmark
  public boolean ecdsaP384VerifyBaseline() throws Exception {
    bare.update(signed);
    return bare.verify(signature);
  }
}
