package dev.cloister.attestation.cel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CelPinsTest {
  private static final Set<String> MAPS = Set.of("claims", "reference_values");

  private static List<CelPin> pins(String source) throws CelPolicyException {
    return CelExpression.compile(source, MAPS, Set.of("status")).pins();
  }

  @Test
  void topLevelConjunctsOfEqualityAndMembershipArePins() throws Exception {
    assertThat(pins("status == 'affirming' && claims.host_data == 'bb' && 'aa' == claims.measurement && claims.pcrs['0'] in ['c1', 'c2']"))
        .containsExactly(
            new CelPin("status", List.of(), new CelPin.Literals(Set.of("affirming"))),
            new CelPin("claims", List.of("host_data"), new CelPin.Literals(Set.of("bb"))),
            new CelPin("claims", List.of("measurement"), new CelPin.Literals(Set.of("aa"))),
            new CelPin("claims", List.of("pcrs", "0"), new CelPin.Literals(Set.of("c1", "c2"))));
    assertThat(pins("claims['measurement'] in reference_values['image'] && (claims.host_data == 'bb')"))
        .containsExactly(
            new CelPin("claims", List.of("measurement"), new CelPin.Lookup("reference_values", "image")),
            new CelPin("claims", List.of("host_data"), new CelPin.Literals(Set.of("bb"))));
  }

  @Test
  void constraintsThatNeedNotHoldWhenTheExpressionIsTrueAreNotPins() throws Exception {
    assertThat(pins("claims.measurement == 'aa' || claims.host_data == 'bb'")).isEmpty();
    assertThat(pins("!(claims.measurement != 'aa')")).isEmpty();
    assertThat(pins("claims.measurement == 'aa' ? true : true")).isEmpty();
    assertThat(pins("has(claims.measurement) && claims.measurement != 'aa'")).isEmpty();
    assertThat(pins("claims.measurement == claims.host_data")).isEmpty();
    assertThat(pins("claims.measurement.startsWith('aa')")).isEmpty();
    assertThat(pins("[claims].exists(c, c.measurement == 'aa')")).isEmpty();
    assertThat(pins("claims.measurement == 'aa' && (claims.host_data == 'bb' || true)"))
        .containsExactly(new CelPin("claims", List.of("measurement"), new CelPin.Literals(Set.of("aa"))));
  }

  @Test
  void aPinHoldsWheneverTheExpressionIsTrue() throws Exception {
    CelExpression e = CelExpression.compile("claims.measurement == 'aa' && claims.host_data == 'bb'", MAPS, Set.of());
    assertThat(e.test(Map.of("claims", Map.of("measurement", "aa", "host_data", "bb"), "reference_values", Map.of()))).isTrue();
    assertThat(e.test(Map.of("claims", Map.of("measurement", "aa", "host_data", "bc"), "reference_values", Map.of()))).isFalse();
    assertThat(e.pins().get(1).describe()).isEqualTo("claims.host_data");
    assertThat(pins("claims.pcrs['0'] == 'x'").getFirst().describe()).isEqualTo("claims.pcrs['0']");
  }
}
