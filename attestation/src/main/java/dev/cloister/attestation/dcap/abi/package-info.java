/** Intel DCAP wire structures: the TD report body (TDX 1.0 and 1.5) and the SGX enclave report, parsed byte-exactly by offset, with their attribute bits named. */
package dev.cloister.attestation.dcap.abi;
