package dev.cloister.broker.kbs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;

/**
 * Verifies and appraises one TEE family's evidence for the broker. The broker registers one per
 * KBS {@code tee} value; adding a family is adding a registration.
 */
public interface TeeVerifier {
  /**
   * @param evidence the attestation's primary evidence, as sent
   * @param expectedReportData what REPORT_DATA must hold (the runtime-data binding)
   * @return the appraisal; its status decides nothing here, the release policy does
   * @throws AttestationException if the evidence is malformed or not genuine
   */
  AttestationResult attest(JsonNode evidence, byte[] expectedReportData) throws AttestationException;

  /** The report-data size of this family (64 for SEV-SNP). */
  int reportDataSize();
}
