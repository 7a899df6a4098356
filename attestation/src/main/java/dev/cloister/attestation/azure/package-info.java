/** Azure confidential VMs (SEV-SNP behind the HCL paravisor): the HCL report with its embedded SNP report and runtime claims, and the vTPM quote signed by the attested key. */
package dev.cloister.attestation.azure;
