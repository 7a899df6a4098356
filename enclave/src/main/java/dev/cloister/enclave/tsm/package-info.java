/** The Linux configfs-tsm attestation report interface ({@code /sys/kernel/config/tsm/report}, Linux 6.7+) and a {@code Platform} on it for SEV-SNP and TDX guests. */
package dev.cloister.enclave.tsm;
