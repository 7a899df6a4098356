package dev.cloister.enclave.simulated;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.tee.SimulatedRoots;
import dev.cloister.enclave.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * The simulated platforms kept in one directory, so a broker, a job and a receipt check given the
 * same {@code --platform DIR} agree on every root: SEV-SNP in {@code DIR} itself (as before TDX and
 * Nitro existed), TDX in {@code DIR/tdx}, Nitro in {@code DIR/nitro}.
 */
public final class SimulatedPlatforms {
  /** The KBS {@code tee} names of the simulated platforms, the first the default. */
  public static final List<String> TEES = List.of("snp", "tdx", "nitro");

  private SimulatedPlatforms() {}

  /** Creates whichever platform is missing (SEV-SNP first: it owns {@code dir}), and returns every root. */
  public static SimulatedRoots openOrCreate(Path dir, Clock clock) throws SimulatedPlatformException {
    var snp = SimulatedSnpPlatform.openOrCreate(dir, clock);
    SimulatedTdxPlatform.openOrCreate(dir.resolve("tdx"), clock);
    SimulatedNitroPlatform.openOrCreate(dir.resolve("nitro"), clock);
    return rootsIn(dir);
  }

  /** The roots of the platforms present in {@code dir}, without their keys; at least SEV-SNP's must be there. */
  public static SimulatedRoots rootsIn(Path dir) throws SimulatedPlatformException {
    var snp = List.of(SimulatedSnpPlatform.trustAnchorIn(dir));
    var tdx = Files.exists(dir.resolve("tdx/root.pem")) ? List.of(SimulatedTdxPlatform.trustIn(dir.resolve("tdx"))) : List.<dev.cloister.attestation.tee.Context.SimulatedIntel>of();
    var nitro = Files.exists(dir.resolve("nitro/root.pem")) ? List.of(SimulatedNitroPlatform.rootIn(dir.resolve("nitro"))) : List.<java.security.cert.X509Certificate>of();
    return new SimulatedRoots(snp, tdx, nitro);
  }

  /**
   * The simulated {@code tee} (one of {@link #TEES}) launched with this workload measurement (SEV-SNP
   * MEASUREMENT, TDX MRTD, Nitro PCR0) and bound to this contract (see {@link dev.cloister.enclave.ContractBinding}).
   *
   * @throws IllegalArgumentException for another name
   */
  public static Platform launch(String tee, Path dir, Clock clock, Octets measurement, Octets contractDigest) throws SimulatedPlatformException {
    if (!TEES.contains(tee)) {
      throw new IllegalArgumentException("--tee must be one of " + String.join(", ", TEES) + ", not '" + tee + "'");
    }
    openOrCreate(dir, clock);
    return switch (tee) {
      case "tdx" -> SimulatedTdxPlatform.openOrCreate(dir.resolve("tdx"), clock).launched(measurement, contractDigest);
      case "nitro" -> SimulatedNitroPlatform.openOrCreate(dir.resolve("nitro"), clock).launched(measurement, contractDigest);
      default -> SimulatedSnpPlatform.openOrCreate(dir, clock).launched(measurement, contractDigest);
    };
  }
}
