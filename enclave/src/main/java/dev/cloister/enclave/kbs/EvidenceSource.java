package dev.cloister.enclave.kbs;

import com.fasterxml.jackson.databind.JsonNode;

/** Produces hardware (or simulated) evidence whose REPORT_DATA is exactly the given bytes. */
@FunctionalInterface
public interface EvidenceSource {
  /** @return the primary evidence as the broker expects it for {@link #tee()} */
  JsonNode evidence(byte[] reportData) throws Exception;

  /** The KBS {@code tee} name, {@code "snp"} by default. */
  default String tee() {
    return "snp";
  }
}
