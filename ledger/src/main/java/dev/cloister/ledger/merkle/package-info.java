/** RFC 9162 section 2.1 Merkle trees over SHA-256: tree heads, inclusion and consistency proofs, and their verification. */
package dev.cloister.ledger.merkle;
