package dev.cloister.attestation.binding;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RuntimeDataBindingTest {
  @Test
  void digestIsSha384OfTheRfc8785Form() throws Exception {
    // Keys deliberately out of order: JCS sorts them. Expected value computed independently
    // (Python: json.dumps(sort_keys=True, separators=(',', ':')) then SHA-384), which equals JCS
    // for ASCII strings.
    var key = new ObjectMapper().readTree("{\"y\":\"yy\",\"x\":\"xx\",\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ECDH-ES+A256KW\"}");
    byte[] d = RuntimeDataBinding.digest("NONCE+/=", key, "");
    assertThat(HexFormat.of().formatHex(d)).isEqualTo(
        "e325ad3e421117630a351b550f374a4f4db3cfd05b10034ebe159eabfa287fb4497d0c0ff249a37a932ab64ae136e963");
    byte[] rd = RuntimeDataBinding.reportData("NONCE+/=", key, "", 64);
    assertThat(rd).hasSize(64);
    assertThat(HexFormat.of().formatHex(rd)).endsWith("00".repeat(16));
  }
}
