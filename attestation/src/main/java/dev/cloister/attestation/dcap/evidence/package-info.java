/** Trustee's TDX and SGX evidence JSON decoded to the DCAP quote (and TDX's CC event log) it carries, plus the quote-header check that names the Intel TEE. */
package dev.cloister.attestation.dcap.evidence;
