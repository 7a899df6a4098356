/** Simulated TEEs (an AMD secure processor, an Intel TDX quoting enclave, an AWS Nitro Secure Module): their own SIMULATED vendor roots and byte-exact signed evidence; trusted only when a verifier is told to. */
package dev.cloister.enclave.simulated;
