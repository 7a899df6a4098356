package dev.cloister.enclave;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.enclave.kbs.EvidenceSource;

/**
 * The hardware seam, as the workload inside the TEE sees it: evidence over chosen report data, and
 * what the platform says the workload is. The only implementation today is the simulated SEV-SNP
 * platform; real confidential VMs ({@code /dev/sev-guest}, configfs-tsm) would plug in here and are
 * not implemented yet.
 */
public interface Platform extends EvidenceSource {
  /** What this TEE was launched as: measurement, host data (the contract digest), and its kind. */
  Identity identity();

  record Identity(PlatformKind kind, Octets measurement, Octets hostData) {}
}
