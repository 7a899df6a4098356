/** Vendor-neutral attestation vocabulary: byte values, typed errors, and the EAR-style result of an appraisal. */
package dev.cloister.attestation;
