package dev.cloister.enclave.vtpm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloister.attestation.testing.Swtpm;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Response-code decoding against TPM 2.0 Part 2's names and against tpm2-tools' own decoder
 * ({@code tpm2_rc_decode}), which says for each code whether it is a handle, session or parameter
 * error and which, or a format-0 error or warning.
 */
class ResponseCodeTest {
  private static final Pattern TOOL = Pattern.compile("^tpm:(handle|session|parameter|error|warn)\\(([0-9.]+|unk)\\):");

  @ParameterizedTest
  @CsvSource({
      "0x0000018b, TPM_RC_HANDLE, HANDLE, 1",
      "0x000002d5, TPM_RC_SIZE, PARAMETER, 2",
      "0x000001c4, TPM_RC_VALUE, PARAMETER, 1",
      "0x0000098e, TPM_RC_AUTH_FAIL, SESSION, 1",
      "0x0000014a, TPM_RC_NV_UNINITIALIZED, , 0",
      "0x00000101, TPM_RC_FAILURE, , 0",
      "0x00000922, TPM_RC_RETRY, , 0",
      "0x00000084, TPM_RC_VALUE, , 0",
  })
  void decodesAsPartTwoAndTpm2ToolsSay(String hex, String name, String subject, int index) throws Exception {
    int raw = Integer.parseUnsignedInt(hex.substring(2), 16);
    ResponseCode rc = new ResponseCode(raw);
    assertThat(rc.name()).isEqualTo(name);
    assertThat(rc.subject()).isEqualTo(subject == null ? Optional.empty() : Optional.of(ResponseCode.Subject.valueOf(subject)));
    assertThat(rc.index()).isEqualTo(index);

    Swtpm.requireTool("tpm2_rc_decode");
    Process p = new ProcessBuilder("tpm2_rc_decode", hex).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    Matcher m = TOOL.matcher(out);
    assertThat(m.find()).as("tpm2_rc_decode %s said %s", hex, out).isTrue();
    String kind = m.group(1);
    if (kind.equals("warn")) {
      assertThat(rc.formatOne()).isFalse();
    } else if (kind.equals("error") || m.group(2).equals("unk")) {
      assertThat(rc.subject()).isEmpty(); // format 0, or a format-1 error about the command as a whole (number 0)
    } else {
      assertThat(rc.subject()).contains(ResponseCode.Subject.valueOf(kind.toUpperCase(java.util.Locale.ROOT)));
      assertThat(rc.index()).isEqualTo(Integer.parseInt(m.group(2)));
    }
  }

  @ParameterizedTest
  @CsvSource({
      "0x0000018b, TPM_RC_HANDLE on handle 1 (0x0000018b)",
      "0x0000014a, TPM_RC_NV_UNINITIALIZED (0x0000014a)",
      "0x00090001, TPM 1.2 code 0x001 (0x00090001) (software layer 9)",
  })
  void namesTheCodeWhereItAppliesAndItsLayer(String hex, String text) {
    assertThat(new ResponseCode(Integer.parseUnsignedInt(hex.substring(2), 16))).hasToString(text);
  }
}
