package dev.cloister.enclave.vtpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.testing.Swtpm;
import dev.cloister.attestation.testing.Vectors;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The TPM 2.0 commands against a real TPM (swtpm), provisioned here with tpm2-tools. */
class TpmSwtpmTest {
  /** TPM_PT_FIXED + 23 (Part 2, 6.13): the largest NV index this TPM defines. */
  private static final int PT_NV_INDEX_MAX = 0x100 + 23;
  private static final String CAPTURED_HCL = "trustee/deps/verifier/test_data/az-snp-vtpm/hcl-report.bin";

  private Swtpm swtpm;
  private Tpm tpm;

  @BeforeEach
  void start() throws Exception {
    swtpm = Swtpm.start();
    tpm = new Tpm(transport());
  }

  private TpmTransport transport() {
    return TpmTransport.tcp("127.0.0.1", swtpm.port());
  }

  @AfterEach
  void stop() throws Exception {
    swtpm.close();
  }

  @Test
  void fixedPropertiesAreWhatTpm2GetcapReports() throws Exception {
    String getcap = swtpm.tool("tpm2_getcap", "properties-fixed");
    assertThat(tpm.nvBufferMax()).isEqualTo(toolValue(getcap, "TPM2_PT_NV_BUFFER_MAX"));
    assertThat(tpm.fixedProperty(PT_NV_INDEX_MAX)).isEqualTo(toolValue(getcap, "TPM2_PT_NV_INDEX_MAX"));
  }

  /**
   * Azure's HCL report index holds 2600 bytes (the captured report); swtpm's largest index is 2048
   * (libtpms' MAX_NV_INDEX_SIZE), so the index gets the captured report's first 2048 bytes (its
   * header, SNP report, runtime header and most of its claims), read back in TPM_PT_NV_BUFFER_MAX
   * (1024-byte) chunks.
   */
  @Test
  void capturedAzureHclReportReadsBackByteForByte() throws Exception {
    byte[] captured = Vectors.read(CAPTURED_HCL);
    assertThat(captured).hasSize(2600).startsWith('H', 'C', 'L', 'A');
    int max = tpm.fixedProperty(PT_NV_INDEX_MAX);
    assertThat(max).isEqualTo(2048);
    assertThat(tpm.nvBufferMax()).isLessThan(max);
    byte[] stored = Arrays.copyOf(captured, max);
    swtpm.defineAndWrite(AzureVtpm.HCL_REPORT_INDEX, stored);

    assertThat(new AzureVtpm(transport()).hclReport()).isEqualTo(stored);
  }

  @Test
  void attestationKeyIsTheOneTpm2ReadpublicShows() throws Exception {
    swtpm.provisionAk();
    Tpm.KeyPublic ak = new AzureVtpm(transport()).attestationKey();
    String shown = swtpm.tool("tpm2_readpublic", "-c", "0x81000003", "-f", "pem", "-o", "/dev/stdout");
    RSAPublicKey key = (RSAPublicKey) ak.key();
    String pem = shown.substring(shown.indexOf("-----BEGIN PUBLIC KEY-----"), shown.indexOf("-----END PUBLIC KEY-----"))
        .replace("-----BEGIN PUBLIC KEY-----", "").replaceAll("\\s", "");
    assertThat(key.getEncoded()).isEqualTo(java.util.Base64.getDecoder().decode(pem));
    assertThat(ak.type()).isEqualTo(Tpm.ALG_RSA);
    assertThat(ak.scheme()).isEqualTo(Tpm.ALG_RSASSA);
    assertThat(ak.schemeHash()).isEqualTo(Tpm.ALG_SHA256);
    assertThat(ak.restrictedSigningKey()).isTrue();
  }

  @Test
  void anUndefinedHclIndexIsTpmRcHandleOnNvReadPublic() {
    assertThatThrownBy(() -> new AzureVtpm(transport()).hclReport())
        .isInstanceOfSatisfying(TpmException.Refused.class, e -> {
          assertThat(e.command()).isEqualTo("TPM2_NV_ReadPublic");
          assertThat(e.code().raw()).isEqualTo(0x18B);
          assertThat(e.code().subject()).contains(ResponseCode.Subject.HANDLE);
        })
        .hasMessage("TPM2_NV_ReadPublic failed: TPM_RC_HANDLE on handle 1 (0x0000018b)");
  }

  @Test
  void aMissingAttestationKeyIsTpmRcHandleOnReadPublic() {
    assertThatThrownBy(() -> new AzureVtpm(transport()).quote(new byte[48]))
        .isInstanceOf(TpmException.Refused.class)
        .hasMessage("TPM2_ReadPublic failed: TPM_RC_HANDLE on handle 1 (0x0000018b)");
  }

  @Test
  void anUnwrittenIndexIsRefusedByTheTpmAndByTheAttester() throws Exception {
    swtpm.define(AzureVtpm.HCL_REPORT_INDEX, 64);
    assertThatThrownBy(() -> tpm.nvRead(Tpm.RH_OWNER, AzureVtpm.HCL_REPORT_INDEX, 64, 0))
        .isInstanceOfSatisfying(TpmException.Refused.class, e -> assertThat(e.code().formatOne()).isFalse())
        .hasMessage("TPM2_NV_Read failed: TPM_RC_NV_UNINITIALIZED (0x0000014a)");
    assertThatThrownBy(() -> new AzureVtpm(transport()).hclReport())
        .isInstanceOf(TpmException.Unsuitable.class)
        .hasMessage("TPM2_NV_Read of 0x01400001: index has never been written (TPMA_NV_WRITTEN clear)");
  }

  @Test
  void aReadPastTheIndexIsTpmRcNvRange() throws Exception {
    swtpm.defineAndWrite(AzureVtpm.HCL_REPORT_INDEX, new byte[64]);
    assertThatThrownBy(() -> tpm.nvRead(Tpm.RH_OWNER, AzureVtpm.HCL_REPORT_INDEX, 64, 1))
        .isInstanceOf(TpmException.Refused.class)
        .hasMessage("TPM2_NV_Read failed: TPM_RC_NV_RANGE (0x00000146)");
  }

  private static int toolValue(String getcap, String property) {
    Matcher m = Pattern.compile(property + ":\\s*\\n\\s*raw: 0x([0-9A-Fa-f]+)").matcher(getcap);
    assertThat(m.find()).as("tpm2_getcap shows %s", property).isTrue();
    return Integer.parseInt(m.group(1), 16);
  }
}
