package dev.cloister.attestation.snp.measure;

import dev.cloister.attestation.Octets;
import java.util.List;

/**
 * A computed launch measurement and the initial VMSA page of each vCPU that went into it, in vCPU
 * order (empty for SEV, whose launch measures no VMSA). The VMSAs are the guest's public reset
 * state, written out by {@code measure snp --dump-vmsa} for comparison with a VMM's own.
 *
 * @param digest 48 bytes (SHA-384 chain) for SEV-SNP, 32 bytes (SHA-256) for SEV and SEV-ES
 */
public record LaunchMeasurement(Octets digest, List<Octets> vmsas) {
  public LaunchMeasurement {
    vmsas = List.copyOf(vmsas);
  }
}
