/** The tamper-evident audit log: typed events with no room for secrets, canonical entries in a Merkle tree, signed checkpoints, verification, SIEM export. */
package dev.cloister.ledger;
