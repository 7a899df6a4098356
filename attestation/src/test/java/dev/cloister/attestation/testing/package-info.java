/** Test support shipped only in attestation's test-jar: the repository's real evidence samples, a fake Intel DCAP platform, and swtpm (a real TPM 2.0) for the Azure vTPM attester's tests. */
package dev.cloister.attestation.testing;
