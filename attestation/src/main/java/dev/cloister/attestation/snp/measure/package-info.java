/**
 * Expected SEV-SNP launch measurements, computed from build artifacts: the page-by-page launch
 * digest of the firmware, its SEV metadata sections, the kernel hashes table and the VMSAs (SEV-SNP
 * ABI specification, SNP_LAUNCH_UPDATE), written anew after virtee's sev-snp-measure.
 */
package dev.cloister.attestation.snp.measure;
