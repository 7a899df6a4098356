package dev.cloister.attestation.tee;

import dev.cloister.attestation.snp.verify.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The roots of simulated platforms a caller chooses to trust (with {@link Context#allowSimulated}
 * only): SEV-SNP anchors, Intel roots with their collateral, Nitro roots. None is a vendor's, so
 * every verdict from them says {@code platform: simulated}.
 */
public record SimulatedRoots(List<TrustAnchor> snp, List<Context.SimulatedIntel> intel, List<X509Certificate> nitro) {
  public static final SimulatedRoots NONE = new SimulatedRoots(List.of(), List.of(), List.of());

  public SimulatedRoots {
    snp = List.copyOf(snp);
    intel = List.copyOf(intel);
    nitro = List.copyOf(nitro);
  }

  /** Only SEV-SNP anchors. */
  public static SimulatedRoots snp(List<TrustAnchor> anchors) {
    return new SimulatedRoots(anchors, List.of(), List.of());
  }

  public boolean isEmpty() {
    return snp.isEmpty() && intel.isEmpty() && nitro.isEmpty();
  }
}
