package dev.cloister.enclave.vtpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.azure.AzureTdxVtpmEvidence;
import dev.cloister.attestation.azure.TpmQuote;
import dev.cloister.attestation.binding.RuntimeDataBinding;
import dev.cloister.attestation.tee.Context;
import dev.cloister.attestation.tee.Evidence;
import dev.cloister.attestation.tee.TeeFamilies;
import dev.cloister.attestation.tee.Verdict;
import dev.cloister.attestation.testing.Swtpm;
import dev.cloister.attestation.testing.Vectors;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Azure vTPM attester end to end on a real TPM (swtpm): the simulated SEV-SNP platform's HCL
 * report, whose runtime claims carry swtpm's attestation key, in NV index 0x01400001; the attester's
 * evidence goes through the TEE registry's az-snp-vtpm family bound to a KBS session, as the
 * broker evaluates it.
 */
class AzureVtpmPlatformTest {
  /** The az-snp-vtpm family binds the KBS digest itself (48 bytes) as the quote's nonce, as Trustee's attester passes it. */
  static final int KBS_DIGEST_SIZE = 48;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Octets MEASUREMENT = Octets.fromHex("5a".repeat(48));
  private static final Octets HOST_DATA = Octets.fromHex("c3".repeat(32));

  @TempDir static Path dir;
  private static SimulatedSnpPlatform simulated;

  private Swtpm swtpm;

  @BeforeAll
  static void simulatedPlatform() throws Exception {
    simulated = SimulatedSnpPlatform.openOrCreate(dir.resolve("simulated-platform"), Clock.systemUTC());
  }

  @BeforeEach
  void start() throws Exception {
    swtpm = Swtpm.start();
    swtpm.provisionAk();
  }

  private TpmTransport transport() {
    return TpmTransport.tcp("127.0.0.1", swtpm.port());
  }

  @AfterEach
  void stop() throws Exception {
    swtpm.close();
  }

  private RSAPublicKey ak() throws Exception {
    return (RSAPublicKey) new AzureVtpm(transport()).attestationKey().key();
  }

  /** Writes the simulated platform's HCL report for swtpm's AK into the NV index; the platform on it. */
  private AzureVtpmPlatform provisioned() throws Exception {
    swtpm.defineAndWrite(AzureVtpm.HCL_REPORT_INDEX, simulated.hclReport(MEASUREMENT, HOST_DATA, ak()));
    return AzureVtpmPlatform.open(this::transport, PlatformKind.SIMULATED, report -> simulated.vcek(), null);
  }

  /** A KBS session's binding, as KbsClient derives the report data and the broker the digest. */
  private record Session(byte[] reportData, byte[] digest) {}

  private static Session session(String nonce, int size) {
    JsonNode pubkey = JSON.createObjectNode().put("kty", "EC").put("crv", "P-256").put("x", "x").put("y", "y");
    return new Session(RuntimeDataBinding.reportData(nonce, pubkey, "", size), RuntimeDataBinding.digest(nonce, pubkey, ""));
  }

  private static Context context(boolean allowSimulated) {
    return Context.builder().simulatedAnchors(List.of(simulated.trustAnchor())).allowSimulated(allowSimulated).build();
  }

  private static Verdict evaluate(JsonNode evidence, Context c, byte[] sessionDigest) throws Exception {
    return TeeFamilies.named("az-snp-vtpm").orElseThrow().evaluate(new Evidence.Json(evidence), c.withSessionBinding(sessionDigest));
  }

  @Test
  void simulatedHclReportOnSwtpmIsAcceptedAsAzSnpVtpmWithAllowSimulated() throws Exception {
    AzureVtpmPlatform platform = provisioned();
    assertThat(platform.tee()).isEqualTo("az-snp-vtpm");
    assertThat(platform.identity()).isEqualTo(new dev.cloister.enclave.Platform.Identity(PlatformKind.SIMULATED, MEASUREMENT, HOST_DATA));
    Session s = session("bm9uY2Utb25l", KBS_DIGEST_SIZE);
    assertThat(s.reportData()).isEqualTo(s.digest()); // the quote's nonce is the 48-byte digest itself

    JsonNode evidence = platform.evidence(s.reportData());
    byte[] bytes = JSON.writeValueAsBytes(evidence);
    assertThat(TeeFamilies.detect(bytes)).hasValueSatisfying(d -> assertThat(d.family().name()).isEqualTo("az-snp-vtpm"));

    Verdict v = evaluate(evidence, context(true), s.digest());
    assertThat(v.status()).as("%s", v.checks()).isEqualTo(TrustTier.AFFIRMING);
    assertThat(v.claims()).containsEntry("platform", "simulated")
        .containsEntry("tpm_nonce", HexFormat.of().formatHex(s.digest()))
        .containsEntry("measurement", MEASUREMENT.hex())
        .containsEntry("host_data", HOST_DATA.hex());
    assertThat(v.verification()).extracting(c -> c.name()).contains("hcl_runtime_claims", "tpm_quote.signature", "tpm_quote.pcr_digest");

    // A job's receipt binds a SHA-512 digest: 64 bytes, the most a quote's qualifying data holds (a TPMT_HA's digest).
    byte[] receipt = MessageDigest.getInstance("SHA-512").digest("receipt".getBytes(StandardCharsets.US_ASCII));
    JsonNode forReceipt = platform.evidence(receipt);
    assertThat(TpmQuote.parse(HexFormat.of().parseHex(forReceipt.path("tpm_quote").path("message").asText())).extraData().toByteArray())
        .isEqualTo(receipt);
  }

  @Test
  void simulatedEvidenceIsRefusedWithoutAllowSimulated() throws Exception {
    AzureVtpmPlatform platform = provisioned();
    Session s = session("bm9uY2UtdHdv", KBS_DIGEST_SIZE);
    JsonNode evidence = platform.evidence(s.reportData());

    Verdict appraised = evaluate(evidence, context(false), s.digest());
    assertThat(appraised.status()).isNotEqualTo(TrustTier.AFFIRMING);
    assertThat(appraised.reason()).contains("platform: evidence is from a simulated platform and simulation is not allowed");

    Context hardwareOnly = Context.builder().build();
    assertThatThrownBy(() -> evaluate(evidence, hardwareOnly, s.digest()))
        .isInstanceOfSatisfying(VerificationException.class, e -> assertThat(e.field()).isEqualTo("vek.issuer"))
        .hasMessageEndingWith("does not chain to a trusted Milan root");
  }

  @Test
  void evidenceForAnotherSessionIsRefused() throws Exception {
    AzureVtpmPlatform platform = provisioned();
    Session mine = session("bm9uY2UtbWluZQ", KBS_DIGEST_SIZE);
    Session other = session("bm9uY2Utb3RoZXI", KBS_DIGEST_SIZE);
    Verdict v = evaluate(platform.evidence(other.reportData()), context(true), mine.digest());
    assertThat(v.status()).isNotEqualTo(TrustTier.AFFIRMING);
    assertThat(v.reason()).contains("tpm_nonce: got " + HexFormat.of().formatHex(other.digest()) + ", expected " + HexFormat.of().formatHex(mine.digest()));
  }

  /**
   * PCR values read before PCR 23 was extended, with a quote made after: the quoted digest covers the
   * new value (TPM 2.0 extend: SHA-256(old || digest)), so the verifier refuses the PCR values. The
   * attester's own quote, read together, carries the new value and is accepted.
   */
  @Test
  void aQuoteOverPcrsExtendedAfterTheReadIsRefused() throws Exception {
    provisioned();
    Tpm tpm = new Tpm(transport());
    Session s = session("bm9uY2UtcGNy", 48);
    Tpm.PcrValues before = tpm.pcrRead(Tpm.ALG_SHA256, AzureVtpm.PCRS);
    byte[] event = MessageDigest.getInstance("SHA-256").digest("cloister".getBytes(StandardCharsets.US_ASCII));
    swtpm.extend(23, event);
    Tpm.Quote q = tpm.quote(AzureVtpm.AK_HANDLE, new AzureVtpm(transport()).attestationKey(), s.reportData(), AzureVtpm.PCRS);
    List<Octets> stale = before.values().values().stream().map(Octets::copyOf).toList();
    byte[] hcl = new AzureVtpm(transport()).hclReport();
    JsonNode evidence = AzureVtpmPlatform.snpEvidence(hcl, new AzureVtpm.Quote(q.attest(), q.signature(), stale), simulated.vcek());

    assertThatThrownBy(() -> evaluate(evidence, context(true), s.digest()))
        .isInstanceOf(VerificationException.class)
        .hasMessage("tpm_quote.pcr_digest: the supplied PCR values do not hash to the quoted digest");

    byte[] extended = MessageDigest.getInstance("SHA-256").digest(concat(before.values().get(23), event));
    AzureVtpm.Quote fresh = new AzureVtpm(transport()).quote(s.reportData());
    assertThat(fresh.pcrs().get(23).toByteArray()).isEqualTo(extended);
    Verdict v = evaluate(AzureVtpmPlatform.snpEvidence(hcl, fresh, simulated.vcek()), context(true), s.digest());
    assertThat(v.status()).isEqualTo(TrustTier.AFFIRMING);
    assertThat(v.claims().get("pcrs")).isInstanceOfSatisfying(Map.class, pcrs -> assertThat(pcrs.get("23")).isEqualTo(HexFormat.of().formatHex(extended)));
  }

  @Test
  void anHclReportForAnotherAttestationKeyIsRefusedByTheAttester() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    RSAPublicKey notTheTpms = (RSAPublicKey) g.generateKeyPair().getPublic();
    swtpm.defineAndWrite(AzureVtpm.HCL_REPORT_INDEX, simulated.hclReport(MEASUREMENT, HOST_DATA, notTheTpms));
    AzureVtpmPlatform platform = AzureVtpmPlatform.open(this::transport, PlatformKind.SIMULATED, report -> simulated.vcek(), null);
    assertThatThrownBy(() -> platform.evidence(new byte[48]))
        .isInstanceOf(TpmException.Unsuitable.class)
        .hasMessage("TPM2_ReadPublic: the key at 0x81000003 is not the HCL report's HCLAkPub: the report was not made for this TPM");
  }

  @Test
  void noHclReportMeansNoAzurePlatform() {
    assertThat(AzureVtpmPlatform.detect(this::transport)).isEmpty();
  }

  /**
   * az-tdx-vtpm: an HCL report of type 4 holding the TDREPORT of Trustee's captured Azure TDX HCL
   * report, with runtime claims carrying swtpm's AK. The TD quote comes from the injected source
   * (Azure's quoting service is not here), which receives exactly that TDREPORT; here it answers with
   * the captured TD quote. The evidence is Trustee's v1 JSON, recognised and decoded as az-tdx-vtpm,
   * its TPM quote signed by swtpm's AK over the nonce.
   */
  @Test
  void tdxHclReportGivesAzTdxVtpmEvidenceWithTheInjectedTdQuote() throws Exception {
    byte[] captured = Vectors.read("trustee/deps/verifier/test_data/az-tdx-vtpm/hcl-report.bin");
    byte[] tdQuote = Vectors.read("trustee/deps/verifier/test_data/az-tdx-vtpm/td-quote.bin");
    byte[] tdReport = Arrays.copyOfRange(captured, 32, 32 + 1024);
    RSAPublicKey ak = ak();
    byte[] hcl = tdxHcl(tdReport, ak);
    swtpm.defineAndWrite(AzureVtpm.HCL_REPORT_INDEX, hcl);
    AtomicReference<byte[]> asked = new AtomicReference<>();
    AzureVtpmPlatform platform = AzureVtpmPlatform.open(this::transport, PlatformKind.HARDWARE, null, r -> {
      asked.set(r);
      return tdQuote;
    });
    assertThat(platform.tee()).isEqualTo("az-tdx-vtpm");
    assertThat(AzureVtpmPlatform.detect(this::transport)).contains(AzureVtpmPlatform.Family.TDX);
    byte[] nonce = session("bm9uY2UtdGR4", 48).reportData();

    byte[] json = JSON.writeValueAsBytes(platform.evidence(nonce));
    assertThat(asked.get()).isEqualTo(tdReport);
    assertThat(TeeFamilies.detect(json)).hasValueSatisfying(d -> assertThat(d.family().name()).isEqualTo("az-tdx-vtpm"));
    AzureTdxVtpmEvidence e = AzureTdxVtpmEvidence.decode(json);
    assertThat(e.hclReport()).isEqualTo(hcl);
    assertThat(e.tdQuote()).isEqualTo(tdQuote);
    assertThat(TpmQuote.parse(e.quoteMessage()).extraData().toByteArray()).isEqualTo(nonce);
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initVerify(ak);
    rsa.update(e.quoteMessage());
    assertThat(rsa.verify(e.quoteSignature())).isTrue();
  }

  /** An HCL report of type 4 (TDX) as Azure lays it out, its claims holding {@code ak} as HCLAkPub. */
  private static byte[] tdxHcl(byte[] tdReport, RSAPublicKey ak) throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String claims = "{\"keys\":[{\"kid\":\"HCLAkPub\",\"key_ops\":[\"sign\"],\"kty\":\"RSA\",\"e\":\""
        + b64.encodeToString(unsigned(ak.getPublicExponent().toByteArray())) + "\",\"n\":\""
        + b64.encodeToString(unsigned(ak.getModulus().toByteArray())) + "\"}],\"user-data\":\"" + "0".repeat(128) + "\"}";
    byte[] c = claims.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(32 + 1184 + 20 + c.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put("HCLA".getBytes(StandardCharsets.US_ASCII)).putInt(1).putInt(b.capacity()).putInt(2).putInt(0).put(new byte[12]);
    b.put(tdReport).put(new byte[1184 - tdReport.length]);
    b.putInt(20 + c.length).putInt(1).putInt(4).putInt(1).putInt(c.length).put(c);
    return b.array();
  }

  private static byte[] unsigned(byte[] b) {
    return b.length > 1 && b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
