/** AWS Nitro Enclaves attestation documents: COSE_Sign1 (ES384) over CBOR, verified to the pinned AWS Nitro root, and appraised (PCRs, debug, nonce). */
package dev.cloister.attestation.nitro;
