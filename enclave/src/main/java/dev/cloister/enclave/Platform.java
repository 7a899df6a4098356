package dev.cloister.enclave;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.enclave.kbs.EvidenceSource;

/**
 * The hardware seam, as the workload inside the TEE sees it: evidence over chosen report data, and
 * what the platform says the workload is. Implementations: configfs-tsm ({@code tsm}),
 * {@code /dev/sev-guest} ({@code sevguest}), {@code /dev/nsm} ({@code nsm}), Azure's vTPM
 * ({@code vtpm}), and the simulated SEV-SNP, TDX and Nitro platforms ({@code simulated});
 * {@link Platforms} picks the one a machine has.
 */
public interface Platform extends EvidenceSource {
  /** What this TEE was launched as: measurement, host data (the contract digest), and its kind. */
  Identity identity();

  record Identity(PlatformKind kind, Octets measurement, Octets hostData) {}
}
