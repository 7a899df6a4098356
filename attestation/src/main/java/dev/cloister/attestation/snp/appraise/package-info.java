/** Policy on verified SEV-SNP claims: typed options (a superset of go-sev-guest's validate.Options), a CEL rule, and the EAR-style result. */
package dev.cloister.attestation.snp.appraise;
