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

  /**
   * How many bytes of the KBS runtime-data digest this family's evidence carries: the SHA-384
   * digest zero-padded to 64 for fixed 64-byte REPORT_DATA fields (SEV-SNP, TDX, SGX), the 48-byte
   * digest itself for variable-length fields (the vTPM quote nonce, Nitro's user data), as
   * Trustee's verifiers compare them.
   */
  int reportDataSize();

  /**
   * The claim of the appraisal that must equal the expected report data, in hex: the broker checks
   * it again itself, whatever the appraisal did. {@code report_data} unless the family binds the
   * session elsewhere.
   */
  default String bindingClaim() {
    return "report_data";
  }
}
