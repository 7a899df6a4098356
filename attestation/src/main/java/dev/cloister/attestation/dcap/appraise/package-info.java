/** Policy on verified Intel DCAP quotes (TDX and SGX): typed options covering go-tdx-guest's validate.Options and the SGX enclave identity, Intel TCB status policy, CCEL replay, and the EAR-style result. */
package dev.cloister.attestation.dcap.appraise;
