/**
 * Expected launch measurements, computed from build artifacts and written anew after virtee's
 * sev-snp-measure: for SEV-SNP the page-by-page launch digest of the firmware, its SEV metadata
 * sections, the kernel hashes table and the VMSAs (SEV-SNP ABI, SNP_LAUNCH_UPDATE); for SEV and
 * SEV-ES the SHA-256 over the same firmware, hashes table and VMSAs.
 */
package dev.cloister.attestation.snp.measure;
