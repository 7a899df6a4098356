/** The TEE side of the KBS protocol: attest to a data owner's broker with a fresh key and receive secrets encrypted to it. */
package dev.cloister.enclave.kbs;
