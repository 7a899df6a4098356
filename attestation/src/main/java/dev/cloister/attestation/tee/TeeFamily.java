package dev.cloister.attestation.tee;

import dev.cloister.attestation.AttestationException;
import java.util.Map;

/**
 * One TEE family: recognises its evidence, decodes, verifies and appraises it. Verification
 * (signatures, chains, revocation) either passes whole or throws; appraisal (the policy) makes the
 * verdict's status. Every consumer (attest verify, the broker, the job's receipt check) goes
 * through {@link TeeFamilies}; none knows a family's internals.
 */
public interface TeeFamily {
  /** The family's name: {@code attest verify --format} and the KBS {@code tee} value. */
  String name();

  /** The format label of its verdicts. */
  String format();

  /** Whether {@code bytes} (not hex or base64 text; {@link TeeFamilies#detect} decodes that) are this family's evidence. */
  boolean recognises(byte[] bytes);

  /**
   * Where this family's evidence carries a KBS session's runtime-data digest, and how many bytes of
   * it: the SHA-384 digest zero-padded to 64 for fixed 64-byte REPORT_DATA fields (SEV-SNP, TDX,
   * SGX), the 48-byte digest itself for variable-length fields (the vTPM quote nonce, Nitro's user
   * data), as Trustee's verifiers compare them.
   *
   * @param size the bytes the field holds
   * @param claim the claim that shows it, in hex
   */
  record Binding(int size, String claim) {}

  Binding binding();

  /**
   * Policy keys a broker's file may not set, and why: what the broker binds to each session or what
   * is fresh per attestation.
   */
  Map<String, String> sessionBound();

  /**
   * Parses a policy file in this family's format.
   *
   * @throws IllegalArgumentException naming the key that is wrong
   */
  TeePolicy policy(byte[] json);

  /**
   * Verifies the evidence and, unless {@link Context#verifyOnly}, appraises it.
   *
   * @throws AttestationException if the evidence is malformed or not genuine
   */
  Verdict evaluate(Evidence evidence, Context context) throws AttestationException;
}
