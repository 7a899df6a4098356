/** Test support shipped only in attestation's test-jar: the repository's real evidence samples and a fake Intel DCAP platform. */
package dev.cloister.attestation.testing;
