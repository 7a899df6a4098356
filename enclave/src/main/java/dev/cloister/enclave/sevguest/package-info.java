/** The Linux SEV-SNP guest device {@code /dev/sev-guest} (include/uapi/linux/sev-guest.h): attestation reports, extended reports with the host's certificate table, derived keys, and a {@link dev.cloister.enclave.Platform} on it. */
package dev.cloister.enclave.sevguest;
