/**
 * AMD SEV-SNP wire formats: the ATTESTATION_REPORT (versions 2, 3, 5) and its parts, parsed and
 * encoded byte-exactly per the SEV-SNP firmware ABI specification (AMD publication 56860).
 */
package dev.cloister.attestation.snp.abi;
