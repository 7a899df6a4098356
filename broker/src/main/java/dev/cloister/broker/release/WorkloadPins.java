package dev.cloister.broker.release;

import dev.cloister.attestation.cel.CelPin;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * When a release policy pins the workload, the broker's fail-closed rule: a secret goes only to
 * evidence whose workload identity and launch configuration the policy fixes, so that a policy
 * releasing "to any genuine TEE" releases nothing. A policy pins when its top-level conjuncts (see
 * {@link CelPin}) fix, for one TEE family, the claims of that family's row below, each to string
 * literals or to a signed reference value list ({@code claims.measurement in reference_values['x']}):
 *
 * <ul>
 *   <li>SEV-SNP and Azure SNP vTPM: {@code claims.measurement} and {@code claims.host_data} (what
 *       {@code contract bind} writes);
 *   <li>TDX and Azure TDX vTPM: {@code claims.mr_td} and {@code claims.mr_config_id} (the TD's
 *       host-supplied configuration, where Trustee binds init data);
 *   <li>SGX: {@code claims.mr_enclave}, which covers the enclave's code and initial data (SGX has no
 *       host-supplied launch field);
 *   <li>Nitro: {@code claims.pcrs['0']}, the enclave image, which likewise covers its configuration.
 * </ul>
 *
 * Because every conjunct must hold for the policy to be true, and each pinned claim exists only in
 * its own families' evidence, a policy mixing rows pins whatever row it completes and releases only
 * to evidence carrying all its pinned claims. At release time the broker checks every pin against
 * the claims itself, apart from evaluating the CEL.
 */
public final class WorkloadPins {
  /** One row: a family's claims that together pin its workload. */
  private record Row(String families, List<List<String>> claims) {}

  private static final List<Row> ROWS = List.of(
      new Row("snp, az-snp-vtpm", List.of(List.of("measurement"), List.of("host_data"))),
      new Row("tdx, az-tdx-vtpm", List.of(List.of("mr_td"), List.of("mr_config_id"))),
      new Row("sgx", List.of(List.of("mr_enclave"))),
      new Row("nitro", List.of(List.of("pcrs", "0"))));

  /** What a refusal says a policy must pin. */
  public static final String REQUIREMENT = "a release policy must pin the workload with top-level '&&' conjuncts comparing claims to "
      + "literals or a reference value: claims.measurement and claims.host_data (snp, az-snp-vtpm; as 'contract bind' writes), "
      + "claims.mr_td and claims.mr_config_id (tdx, az-tdx-vtpm), claims.mr_enclave (sgx) or claims.pcrs['0'] (nitro)";

  private WorkloadPins() {}

  /** The families whose row the pins complete, e.g. {@code "snp, az-snp-vtpm"}; empty if the policy pins no workload. */
  public static Optional<String> pinnedFamilies(List<CelPin> pins) {
    // Only literals and the broker's own signed reference values count: 'claims.x in claims.y' would let the evidence choose.
    List<List<String>> pinned = pins.stream()
        .filter(p -> p.variable().equals("claims") && switch (p.allowed()) {
          case CelPin.Literals l -> true;
          case CelPin.Lookup l -> l.variable().equals("reference_values");
        })
        .map(CelPin::path).toList();
    return ROWS.stream().filter(r -> pinned.containsAll(r.claims())).map(Row::families).findFirst();
  }

  /**
   * Checks every claims pin against the claims, outside CEL.
   *
   * @return why a pin does not hold, naming the claim; empty when all hold
   */
  public static Optional<String> violation(List<CelPin> pins, Map<?, ?> claims, Map<String, Object> referenceValues) {
    for (CelPin p : pins) {
      if (!p.variable().equals("claims")) {
        continue;
      }
      Object value = claims;
      for (String key : p.path()) {
        value = value instanceof Map<?, ?> m ? m.get(key) : null;
      }
      if (!(value instanceof String s)) {
        return Optional.of(p.describe() + " is absent from the evidence");
      }
      boolean allowed = switch (p.allowed()) {
        case CelPin.Literals l -> l.values().contains(s);
        case CelPin.Lookup l -> l.variable().equals("reference_values")
            && referenceValues.get(l.key()) instanceof List<?> valid && valid.contains(s);
      };
      if (!allowed) {
        return Optional.of(p.describe() + " is not a value the policy pins");
      }
    }
    return Optional.empty();
  }
}
