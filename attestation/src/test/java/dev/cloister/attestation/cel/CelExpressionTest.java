package dev.cloister.attestation.cel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CelExpressionTest {
  private static final Map<String, Object> CLAIMS = Map.of(
      "measurement", "ab", "vmpl", 0, "policy", Map.of("debug", false, "abi_major", 1), "tags", List.of("x", "y"));

  @Test
  void evaluatesOverNestedJsonShapedMaps() throws Exception {
    CelExpression e = CelExpression.compile(
        "claims.measurement == 'ab' && claims.vmpl == 0 && !claims.policy.debug && claims.policy.abi_major >= 1 && 'y' in claims.tags && path.startsWith('repo/')",
        Set.of("claims"), Set.of("path"));
    assertThat(e.test(Map.of("claims", CLAIMS, "path", "repo/key/1"))).isTrue();
    assertThat(e.test(Map.of("claims", CLAIMS, "path", "other/key/1"))).isFalse();
  }

  @Test
  void compileErrorsAreTyped() {
    assertThatThrownBy(() -> CelExpression.compile("claims.measurement ==", Set.of("claims"), Set.of()))
        .isInstanceOf(CelPolicyException.class).hasMessageContaining("does not compile");
    assertThatThrownBy(() -> CelExpression.compile("unknown_var == 1", Set.of("claims"), Set.of()))
        .isInstanceOf(CelPolicyException.class);
  }

  @Test
  void missingKeysAndWrongResultTypesFailClosed() throws Exception {
    CelExpression missing = CelExpression.compile("claims.nope == 'x'", Set.of("claims"), Set.of());
    assertThatThrownBy(() -> missing.test(Map.of("claims", CLAIMS))).isInstanceOf(CelPolicyException.class);
    CelExpression notBool = CelExpression.compile("claims.measurement", Set.of("claims"), Set.of());
    assertThatThrownBy(() -> notBool.test(Map.of("claims", CLAIMS))).isInstanceOf(CelPolicyException.class);
  }
}
