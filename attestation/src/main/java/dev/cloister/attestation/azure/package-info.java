/**
 * Azure confidential VMs behind the HCL paravisor: the HCL report with its embedded hardware report
 * (SEV-SNP report or TDX TDREPORT) and runtime claims, and the vTPM quote signed by the attested
 * key. {@code az-snp-vtpm}: {@link dev.cloister.attestation.azure.AzureVtpmVerifier}; {@code
 * az-tdx-vtpm}: {@link dev.cloister.attestation.azure.AzureTdxVtpmVerifier} with the TD quote.
 */
package dev.cloister.attestation.azure;
