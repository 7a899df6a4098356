/** The Azure confidential VM attester: TPM 2.0 commands over {@code /dev/tpmrm0} (or swtpm's TCP channel) reading the HCL report and quoting with the vTPM attestation key. */
package dev.cloister.enclave.vtpm;
