/** Intel DCAP quotes (TDX v4/v5, SGX v3): byte-exact parsing by length fields, and the quote's cryptographic chain: quote signature, QE report binding, PCK chain to the Intel SGX Root CA. */
package dev.cloister.attestation.dcap;
