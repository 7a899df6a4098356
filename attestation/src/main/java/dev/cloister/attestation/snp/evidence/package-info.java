/** SEV-SNP evidence containers: a raw report, or Trustee's SNP evidence JSON with its certificates, decoded and encoded. */
package dev.cloister.attestation.snp.evidence;
