package dev.cloister.cleanroom.job;

import dev.cloister.attestation.Check;
import java.util.List;
import java.util.Map;

/** What checking a job's receipt came to; either way, every check that ran, in order. */
public sealed interface ReceiptVerdict permits ReceiptVerdict.Accepted, ReceiptVerdict.Rejected {
  List<Check> checks();

  /** Every check passed: the receipt is what the attested workload wrote for this contract. */
  record Accepted(Receipt receipt, Map<String, Object> claims, List<Check> checks) implements ReceiptVerdict {
    public Accepted {
      claims = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(claims));
      checks = List.copyOf(checks);
    }
  }

  /** Refused: {@code field} is the first check that failed (e.g. {@code report_data}), {@code detail} why. */
  record Rejected(String field, String detail, List<Check> checks) implements ReceiptVerdict {
    public Rejected {
      checks = List.copyOf(checks);
    }

    public String reason() {
      return field + ": " + detail;
    }
  }
}
