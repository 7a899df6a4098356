package dev.cloister.broker.kbs;

/**
 * Where the protocol records its decisions; the broker backs it with the tamper-evident ledger.
 * Arguments are never secrets: IDs, digests, measurements, statuses and reasons only.
 */
public interface AuditSink {
  void attestation(String sessionId, String tee, String platform, String status, String measurement, String claimsDigest, String reason);

  void released(String sessionId, String resourcePath, String teeKeyThumbprint, String measurement);

  void denied(String sessionId, String resourcePath, int httpStatus, String reason);
}
