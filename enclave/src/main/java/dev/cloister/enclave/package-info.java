/** What runs inside the TEE: platform backends (the simulated SEV-SNP platform for machines without hardware) and the KBS client. */
package dev.cloister.enclave;
