package dev.cloister.attestation.refvalue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An expected measurement, as a pipeline vouches for it: the artifact's name and version, the kind
 * of measurement ({@code sev-snp} launch digest or simulated {@code workload}), the 48-byte value,
 * when it was issued and until when it may be used.
 */
public record ReferenceValue(String name, String version, String kind, String measurement, Instant issuedAt, Optional<Instant> validUntil) {
  public ReferenceValue {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    if (!name.matches("[A-Za-z0-9._-]{1,128}") || !version.matches("[A-Za-z0-9._+-]{1,64}")) {
      throw new IllegalArgumentException("name and version are short identifiers (A-Z a-z 0-9 . _ - +)");
    }
    if (!kind.equals("sev-snp") && !kind.equals("workload")) {
      throw new IllegalArgumentException("kind must be sev-snp or workload");
    }
    if (measurement == null || !measurement.matches("[0-9a-f]{96}")) {
      throw new IllegalArgumentException("measurement must be 96 lowercase hex digits");
    }
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(validUntil, "validUntil");
  }

  public boolean validAt(Instant t) {
    return !t.isBefore(issuedAt) && validUntil.map(t::isBefore).orElse(true);
  }

  Map<String, Object> claims() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("version", version);
    m.put("kind", kind);
    m.put("measurement", measurement);
    m.put("issued_at", issuedAt.toString());
    validUntil.ifPresent(v -> m.put("valid_until", v.toString()));
    return m;
  }
}
