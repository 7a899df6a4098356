package dev.cloister.enclave;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.enclave.kbs.EvidenceSource;

/**
 * The hardware seam, as the workload inside the TEE sees it: evidence over chosen report data, and
 * what the platform says the workload is: the simulated SEV-SNP platform, and configfs-tsm on real
 * SEV-SNP and TDX guests ({@code tsm.TsmPlatform}); {@link Platforms} picks the machine's.
 */
public interface Platform extends EvidenceSource {
  /** What this TEE was launched as: measurement, host data (the contract digest), and its kind. */
  Identity identity();

  record Identity(PlatformKind kind, Octets measurement, Octets hostData) {}
}
