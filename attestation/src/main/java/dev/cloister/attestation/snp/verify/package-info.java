/**
 * Authenticity of SEV-SNP reports: the ECDSA P-384 report signature, the VCEK/VLEK certificate
 * chain to an AMD (or caller-chosen) root, validity at an injected time, CRLs, and the binding of
 * the certificate's AMD extensions to the report. No policy: that is {@code snp.appraise}.
 */
package dev.cloister.attestation.snp.verify;
