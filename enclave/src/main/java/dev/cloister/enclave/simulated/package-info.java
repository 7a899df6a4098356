/** A simulated AMD secure processor: its own SIMULATED vendor root, byte-exact signed SEV-SNP reports, and CRLs; trusted only when a verifier is told to. */
package dev.cloister.enclave.simulated;
