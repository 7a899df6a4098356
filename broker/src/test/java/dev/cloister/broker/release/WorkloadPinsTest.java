package dev.cloister.broker.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloister.attestation.cel.CelExpression;
import dev.cloister.attestation.cel.CelPin;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadPinsTest {
  private static List<CelPin> pins(String cel) throws Exception {
    return CelExpression.compile(cel, Set.of("claims", "resource", "token", "reference_values"), Set.of("status")).pins();
  }

  private static Optional<String> families(String cel) throws Exception {
    return WorkloadPins.pinnedFamilies(pins(cel));
  }

  @Test
  void eachFamilyIsPinnedByItsOwnClaims() throws Exception {
    assertThat(families("claims.measurement == 'm' && claims.host_data == 'h'")).contains("snp, az-snp-vtpm");
    assertThat(families("claims.measurement in reference_values['image'] && claims.host_data in ['h1', 'h2']")).contains("snp, az-snp-vtpm");
    assertThat(families("claims.mr_td == 't' && claims.mr_config_id == 'c' && status == 'affirming'")).contains("tdx, az-tdx-vtpm");
    assertThat(families("claims.mr_enclave == 'e'")).contains("sgx");
    assertThat(families("claims.pcrs['0'] == 'p'")).contains("nitro");
  }

  @Test
  void halfAPinOrAPinTheEvidenceChoosesIsNone() throws Exception {
    assertThat(families("status == 'affirming' && claims.platform == 'hardware'")).isEmpty();
    assertThat(families("claims.measurement == 'm'")).isEmpty();
    assertThat(families("claims.mr_td == 't'")).isEmpty();
    assertThat(families("claims.measurement == 'm' || claims.host_data == 'h'")).isEmpty();
    // Evidence-supplied lists would let the evidence pick its own allowed values.
    assertThat(families("claims.measurement in claims.allowed && claims.host_data == 'h'")).isEmpty();
    assertThat(families("claims.measurement in token.allowed && claims.host_data == 'h'")).isEmpty();
    // Another variable's field of the same name is not the claim.
    assertThat(families("resource.measurement == 'm' && claims.host_data == 'h'")).isEmpty();
    assertThat(families("true")).isEmpty();
  }

  @Test
  void theStructuralCheckNamesTheClaimThatDoesNotHold() throws Exception {
    List<CelPin> p = pins("claims.measurement in reference_values['image'] && claims.host_data == 'h' && claims.pcrs['0'] == 'z'");
    Map<String, Object> rv = Map.of("image", List.of("m1", "m2"));
    assertThat(WorkloadPins.violation(p, Map.of("measurement", "m2", "host_data", "h", "pcrs", Map.of("0", "z")), rv)).isEmpty();
    assertThat(WorkloadPins.violation(p, Map.of("measurement", "m3", "host_data", "h", "pcrs", Map.of("0", "z")), rv))
        .contains("claims.measurement is not a value the policy pins");
    assertThat(WorkloadPins.violation(p, Map.of("measurement", "m1", "host_data", "h", "pcrs", Map.of("0", "z")), Map.of()))
        .contains("claims.measurement is not a value the policy pins");
    assertThat(WorkloadPins.violation(p, Map.of("measurement", "m1", "host_data", "H", "pcrs", Map.of("0", "z")), rv))
        .contains("claims.host_data is not a value the policy pins");
    assertThat(WorkloadPins.violation(p, Map.of("measurement", "m1", "host_data", "h"), rv)).contains("claims.pcrs['0'] is absent from the evidence");
    assertThat(WorkloadPins.violation(p, Map.of("measurement", "m1", "host_data", 7, "pcrs", Map.of("0", "z")), rv))
        .contains("claims.host_data is absent from the evidence");
  }
}
