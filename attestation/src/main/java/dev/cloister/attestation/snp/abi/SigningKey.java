package dev.cloister.attestation.snp.abi;

/** KEY_INFO.SIGNING_KEY: which key signed the report. */
public enum SigningKey {
  /** Versioned Chip Endorsement Key, per chip (encoding 0). */
  VCEK,
  /** Versioned Loaded Endorsement Key, per cloud provider (encoding 1). */
  VLEK,
  /** The report is unsigned (encoding 7). */
  NONE
}
