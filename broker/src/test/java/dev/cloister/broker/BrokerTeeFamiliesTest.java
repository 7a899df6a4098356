package dev.cloister.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.cloister.attestation.testing.Vectors;
import dev.cloister.attestation.tee.TeeFamilies;
import dev.cloister.enclave.kbs.KbsClient;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KBS attest step for the hardware families other than SEV-SNP, over real HTTP, on real
 * evidence: AWS Nitro documents from evervault/attestation-doc-validation@084ba28 (test-data/beta,
 * INDEX.md §4) and Azure SNP vTPM evidence from confidential-containers/trustee@78962cd
 * (deps/verifier/test_data/az-snp-vtpm, INDEX.md §1c). Each broker's clock is pinned inside the
 * sample's validity. The samples were bound to their own nonces, never to a fresh session's, so
 * the strongest outcome is: verification passes (platform hardware in the audit entry), then the
 * binding fails, refused with 401 and the reason in the audit log. Tampered evidence and wrong tee
 * values are refused with typed problems.
 */
class BrokerTeeFamiliesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String NITRO = "attestation-doc-validation/test-data/beta/valid-attestation-doc-bytes";
  static final String AZURE = "trustee/deps/verifier/test_data/az-snp-vtpm/evidence-v1.json";
  @TempDir Path tmp;

  record Running(Broker broker, String admin) implements AutoCloseable {
    @Override
    public void close() {
      broker.close();
    }

    String audit() throws Exception {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(broker.uri().resolve("/kbs/v0/audit/entries"))
          .header("Authorization", "Bearer " + admin).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The audit entry of the last attestation verdict. */
    JsonNode lastVerdict() throws Exception {
      List<String> lines = audit().lines().filter(l -> l.contains("\"attestation_verdict\"")).toList();
      assertThat(lines).isNotEmpty();
      return JSON.readTree(lines.getLast());
    }
  }

  Running start(String name, String at, Broker.Options options) throws Exception {
    Clock clock = Clock.fixed(Instant.parse(at), ZoneOffset.UTC);
    Path dir = tmp.resolve(name);
    String admin = Files.readString(BrokerInit.init(dir, clock)).strip();
    return new Running(Broker.start(options.withClock(clock)), admin);
  }

  Running start(String name, String at) throws Exception {
    return start(name, at, Broker.Options.loopback(tmp.resolve(name), 0));
  }

  /** One protocol exchange: auth for {@code tee}, then attest with {@code evidence} as primary evidence. */
  static HttpResponse<String> attest(URI broker, String tee, JsonNode evidence) throws Exception {
    HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    HttpResponse<String> auth = post(http, broker, "/kbs/v0/auth", JSON.createObjectNode().put("version", "0.4.0").put("tee", tee));
    if (auth.statusCode() != 200) {
      return auth;
    }
    ObjectNode a = JSON.createObjectNode();
    ObjectNode rd = a.putObject("runtime-data");
    rd.put("nonce", JSON.readTree(auth.body()).get("nonce").asText());
    rd.set("tee-pubkey", new KbsClient(broker).teePubkey());
    ObjectNode ev = a.putObject("tee-evidence");
    ev.set("primary_evidence", evidence);
    ev.put("additional_evidence", "");
    return post(http, broker, "/kbs/v0/attest", a);
  }

  static HttpResponse<String> post(HttpClient http, URI broker, String path, JsonNode body) throws Exception {
    return http.send(HttpRequest.newBuilder(broker.resolve(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
  }

  static void problem(HttpResponse<String> r, int status, String type) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(JSON.readTree(r.body()).get("type").asText()).endsWith("/" + type);
  }

  static TextNode base64(byte[] b) {
    return new TextNode(Base64.getEncoder().encodeToString(b));
  }

  @Test
  void nitroDocumentIsVerifiedAndThenRefusedOnTheSessionBinding() throws Exception {
    byte[] doc = Vectors.read(NITRO);
    // The certificates of this document are valid 2022-10-13T08:57:59Z..11:58:02Z.
    try (Running b = start("nitro", "2022-10-13T10:00:00Z")) {
      HttpResponse<String> r = attest(b.broker().uri(), "nitro", base64(doc));
      problem(r, 401, "binding-failed");
      assertThat(JSON.readTree(r.body()).get("detail").asText()).contains("user_data");
      JsonNode v = b.lastVerdict();
      assertThat(v.toString()).contains("\"tee\":\"nitro\"").contains("\"platform\":\"hardware\"");
      assertThat(v.toString()).contains("user_data").contains("expected");

      // Verification really runs: one flipped byte in the signed payload is not genuine.
      byte[] bad = doc.clone();
      bad[bad.length / 2] ^= 1;
      problem(attest(b.broker().uri(), "nitro", base64(bad)), 401, "attestation-failed");
      // The wrong evidence shape for the session's tee, and a string that is not base64.
      problem(attest(b.broker().uri(), "nitro", JSON.readTree(Vectors.read(AZURE))), 401, "attestation-failed");
      problem(attest(b.broker().uri(), "nitro", new TextNode("%%%")), 401, "attestation-failed");
      assertThat(b.lastVerdict().toString()).contains("tee-evidence");
      assertThat(b.audit()).doesNotContain("key_released");
    }
  }

  @Test
  void azureVtpmEvidenceIsVerifiedAndThenRefusedOnTheTpmNonce() throws Exception {
    JsonNode evidence = JSON.readTree(Vectors.read(AZURE));
    // AzureVtpmVerifierTest verifies this sample at the same time; its VCEK is valid then.
    try (Running b = start("azure", "2026-06-01T00:00:00Z")) {
      HttpResponse<String> r = attest(b.broker().uri(), "az-snp-vtpm", evidence);
      problem(r, 401, "binding-failed");
      assertThat(JSON.readTree(r.body()).get("detail").asText()).contains("tpm_nonce");
      JsonNode v = b.lastVerdict();
      assertThat(v.toString()).contains("\"tee\":\"az-snp-vtpm\"").contains("\"platform\":\"hardware\"");
      // The sample's nonce is Trustee's test challenge, "challenge" in hex.
      assertThat(v.findValue("reason").asText()).contains("tpm_nonce").contains("6368616c6c656e6765");
      assertThat(v.findValue("measurement").asText()).isNotEmpty();

      ObjectNode tampered = evidence.deepCopy();
      String sig = tampered.get("tpm_quote").get("signature").asText();
      ((ObjectNode) tampered.get("tpm_quote")).put("signature", (sig.charAt(0) == '0' ? "1" : "0") + sig.substring(1));
      problem(attest(b.broker().uri(), "az-snp-vtpm", tampered), 401, "attestation-failed");
      assertThat(b.lastVerdict().findValue("reason").asText()).contains("tpm_quote.signature");
      problem(attest(b.broker().uri(), "az-snp-vtpm", base64(Vectors.read(NITRO))), 401, "attestation-failed");
      assertThat(b.audit()).doesNotContain("key_released");
    }
  }

  /**
   * {@code broker serve --policy az-snp-vtpm=FILE}: the Azure sample's SEV-SNP checks all pass the
   * default appraisal (its first failure is the TPM nonce, above); a file demanding a higher
   * minimum_tcb than any the sample reports makes minimum_tcb its first failure. {@code --require-crl}
   * with no AMD CRL in the broker's KDS cache refuses the same evidence in verification.
   */
  @Test
  void appraisalPolicyFilesAndRequiredCrlsApplyToRealEvidence() throws Exception {
    JsonNode evidence = JSON.readTree(Vectors.read(AZURE));
    Path strict = Files.writeString(tmp.resolve("strict.json"), "{\"minimum_tcb\": {\"bootloader\": 255, \"tee\": 255, \"snp\": 255, \"microcode\": 255}}");
    Path lenient = Files.writeString(tmp.resolve("lenient.json"), "{\"minimum_tcb\": {\"bootloader\": 0}}");
    try (Running b = start("policy", "2026-06-01T00:00:00Z", Broker.Options.loopback(tmp.resolve("policy"), 0).withPolicies(Map.of("az-snp-vtpm", strict)))) {
      problem(attest(b.broker().uri(), "az-snp-vtpm", evidence), 401, "binding-failed");
      assertThat(b.lastVerdict().findValue("reason").asText()).startsWith("minimum_tcb: ").contains("vs minimum");
      assertThat(b.audit()).contains("policy=az-snp-vtpm");
    }
    try (Running b = start("lenient", "2026-06-01T00:00:00Z", Broker.Options.loopback(tmp.resolve("lenient"), 0).withPolicies(Map.of("az-snp-vtpm", lenient)))) {
      problem(attest(b.broker().uri(), "az-snp-vtpm", evidence), 401, "binding-failed");
      assertThat(b.lastVerdict().findValue("reason").asText()).startsWith("tpm_nonce");
    }
    try (Running b = start("crl", "2026-06-01T00:00:00Z", Broker.Options.loopback(tmp.resolve("crl"), 0).withRequiredCrl())) {
      problem(attest(b.broker().uri(), "az-snp-vtpm", evidence), 401, "attestation-failed");
      assertThat(b.lastVerdict().findValue("reason").asText()).contains("a revocation check is required and no CRL signed by");
      assertThat(b.audit()).contains("require-crl");
    }
    // Files are read at start; what is wrong is named there.
    Path dir = tmp.resolve("bad-policy");
    BrokerInit.init(dir, Clock.systemUTC());
    Path typo = Files.writeString(tmp.resolve("typo.json"), "{\"minimum_tbc\": {}}");
    Path binds = Files.writeString(tmp.resolve("binds.json"), "{\"report_data\": \"00\"}");
    assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(dir, 0).withPolicies(Map.of("snp", typo))))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("--policy snp=" + typo + ": unknown key 'minimum_tbc'");
    assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(dir, 0).withPolicies(Map.of("snp", binds))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("report_data: the broker binds REPORT_DATA to each session");
    assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(dir, 0).withPolicies(Map.of("snp", tmp.resolve("absent.json")))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith(": cannot read the file");
    assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(dir, 0).withPolicies(Map.of("tdx", strict))))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("--policy tdx=" + strict + ": unknown key 'minimum_tcb'");
    assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(dir, 0).withPolicies(Map.of("sgx", binds))))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("--policy sgx=" + binds + ": report_data: the broker binds REPORT_DATA to each session; a policy cannot set it");
    assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(dir, 0).withPolicies(Map.of("az-tdx-vtpm", binds))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--policy az-tdx-vtpm=" + binds + ": report_data: REPORT_DATA holds the HCL runtime claims' digest");
    Path userData = Files.writeString(tmp.resolve("user-data.json"), "{\"user_data\": \"00\"}");
    assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(dir, 0).withPolicies(Map.of("nitro", userData))))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("--policy nitro=" + userData + ": user_data: the broker binds user_data to each session; a policy cannot set it");
    assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(dir, 0).withPolicies(Map.of("tpm", lenient))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(": unknown TEE family 'tpm'");
    assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(dir, 0).withTees(Set.of("snp")).withPolicies(Map.of("az-snp-vtpm", strict))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("az-snp-vtpm is not an accepted family");
  }

  /**
   * Intel TDX and SGX in Trustee's evidence shape, with dcap-qvl@9bffe30's samples and their
   * collateral kept offline in the broker's intel-collateral directory (tests/verify_quote.rs times).
   */
  @Test
  void intelQuotesAreVerifiedWithTheirCollateralAndThenRefusedOnTheBinding() throws Exception {
    JsonNode tdx = JSON.createObjectNode().put("quote", Base64.getEncoder().encodeToString(Vectors.read("dcap-qvl/sample/tdx_quote")));
    try (Running b = start("tdx", "2025-07-19T10:00:34Z")) {
      // No collateral for this platform yet: not verifiable, refused.
      problem(attest(b.broker().uri(), "tdx", tdx), 401, "attestation-failed");
      assertThat(b.lastVerdict().findValue("reason").asText()).contains("no Intel collateral for tdx-b0c06f000000");

      Path dir = Files.createDirectories(tmp.resolve("tdx").resolve("intel-collateral"));
      Files.write(dir.resolve("tdx-b0c06f000000.json"), Vectors.read("dcap-qvl/sample/tdx_quote_collateral.json"));
      HttpResponse<String> r = attest(b.broker().uri(), "tdx", tdx);
      problem(r, 401, "binding-failed");
      JsonNode v = b.lastVerdict();
      assertThat(v.toString()).contains("\"tee\":\"tdx\"").contains("\"platform\":\"hardware\"");
      assertThat(v.findValue("reason").asText()).contains("report_data");

      // An SGX quote on a tdx session is the wrong shape for this family.
      JsonNode sgx = JSON.createObjectNode().put("quote", Base64.getEncoder().encodeToString(Vectors.read("dcap-qvl/sample/sgx_quote")));
      problem(attest(b.broker().uri(), "tdx", sgx), 401, "attestation-failed");
      assertThat(b.audit()).doesNotContain("key_released");
    }
    try (Running b = start("sgx", "2025-07-19T10:01:17Z")) {
      Path dir = Files.createDirectories(tmp.resolve("sgx").resolve("intel-collateral"));
      Files.write(dir.resolve("sgx-00a067110000.json"), Vectors.read("dcap-qvl/sample/sgx_quote_collateral.json"));
      JsonNode sgx = JSON.createObjectNode().put("quote", Base64.getEncoder().encodeToString(Vectors.read("dcap-qvl/sample/sgx_quote")));
      problem(attest(b.broker().uri(), "sgx", sgx), 401, "binding-failed");
      assertThat(b.lastVerdict().toString()).contains("ConfigurationAndSWHardeningNeeded");
      assertThat(b.audit()).doesNotContain("key_released");
    }
  }

  /**
   * Policy files for the Intel and Nitro families applied by the broker to real evidence (the samples
   * above): each sample is still refused on the session binding under a lax file, and a stricter file
   * makes the named policy check its first failure. dcap-qvl's TDX sample matches the TCB level dated
   * 2024-03-13 (its collateral); its SGX sample's MRENCLAVE is 33d8736d…; evervault's PCR0 f4d48b81….
   */
  @Test
  void intelAndNitroPolicyFilesApplyToRealEvidence() throws Exception {
    JsonNode tdx = JSON.createObjectNode().put("quote", Base64.getEncoder().encodeToString(Vectors.read("dcap-qvl/sample/tdx_quote")));
    Path tcbDate = Files.writeString(tmp.resolve("tdx-date.json"), "{\"minimum_tcb_date\": \"2024-03-14T00:00:00Z\"}");
    try (Running b = start("tdx-policy", "2025-07-19T10:00:34Z", Broker.Options.loopback(tmp.resolve("tdx-policy"), 0).withPolicies(Map.of("tdx", tcbDate)))) {
      Files.write(Files.createDirectories(tmp.resolve("tdx-policy").resolve("intel-collateral")).resolve("tdx-b0c06f000000.json"),
          Vectors.read("dcap-qvl/sample/tdx_quote_collateral.json"));
      problem(attest(b.broker().uri(), "tdx", tdx), 401, "binding-failed");
      assertThat(b.lastVerdict().findValue("reason").asText()).isEqualTo("tcb_date: TCB date 2024-03-13T00:00:00Z vs minimum 2024-03-14T00:00:00Z");
      assertThat(b.audit()).contains("policy=tdx");
    }
    JsonNode sgx = JSON.createObjectNode().put("quote", Base64.getEncoder().encodeToString(Vectors.read("dcap-qvl/sample/sgx_quote")));
    String accept = "\"tcb_status\": {\"ConfigurationAndSWHardeningNeeded\": \"affirming\"}";
    Path lax = Files.writeString(tmp.resolve("sgx-lax.json"), "{" + accept + "}");
    Path other = Files.writeString(tmp.resolve("sgx-other.json"), "{" + accept + ", \"mr_enclaves\": [\"" + "00".repeat(32) + "\"]}");
    for (Path file : List.of(lax, other)) {
      String name = file.getFileName().toString().replace(".json", "");
      try (Running b = start(name, "2025-07-19T10:01:17Z", Broker.Options.loopback(tmp.resolve(name), 0).withPolicies(Map.of("sgx", file)))) {
        Files.write(Files.createDirectories(tmp.resolve(name).resolve("intel-collateral")).resolve("sgx-00a067110000.json"),
            Vectors.read("dcap-qvl/sample/sgx_quote_collateral.json"));
        problem(attest(b.broker().uri(), "sgx", sgx), 401, "binding-failed");
        // Lax: the TCB status passes and the binding is the first failure; with another MRENCLAVE, the enclave is.
        assertThat(b.lastVerdict().findValue("reason").asText()).startsWith(file == lax ? "report_data: " : "mr_enclave: ");
      }
    }
    Path pcr0 = Files.writeString(tmp.resolve("nitro.json"), "{\"pcrs\": {\"0\": \"" + "00".repeat(48) + "\"}}");
    try (Running b = start("nitro-policy", "2022-10-13T10:00:00Z", Broker.Options.loopback(tmp.resolve("nitro-policy"), 0).withPolicies(Map.of("nitro", pcr0)))) {
      problem(attest(b.broker().uri(), "nitro", base64(Vectors.read(NITRO))), 401, "binding-failed");
      assertThat(b.lastVerdict().findValue("reason").asText()).startsWith("pcr0: got f4d48b81").endsWith(", expected " + "00".repeat(48));
    }
  }

  /**
   * Azure TDX vTPM evidence from confidential-containers/trustee (deps/verifier/test_data/az-tdx-vtpm,
   * INDEX.md §2) with dcap-rs@d847b8f's collateral for its FMSPC (00806f050000, valid 2025-02-13..03-15):
   * verified (its TCB is OutOfDate, the appraisal's first failure), and refused on the TPM nonce
   * (the sample's is "challenge").
   */
  @Test
  void azureTdxVtpmEvidenceIsVerifiedAndThenRefusedOnTheTpmNonce() throws Exception {
    JsonNode evidence = JSON.readTree(Vectors.read("trustee/deps/verifier/test_data/az-tdx-vtpm/evidence-v1.json"));
    try (Running b = start("aztdx", "2025-03-01T00:00:00Z")) {
      Path dir = Files.createDirectories(tmp.resolve("aztdx").resolve("intel-collateral").resolve("tdx-00806f050000"));
      for (String f : new String[] {"tcbinfov3_00806f050000.json", "qeidentityv2_apiv4.json", "tcb_signing_cert.pem", "intel_root_ca_crl.der", "pck_platform_crl.der"}) {
        Files.write(dir.resolve(f), Vectors.read("dcap-rs/data/" + f));
      }
      HttpResponse<String> r = attest(b.broker().uri(), "az-tdx-vtpm", evidence);
      problem(r, 401, "binding-failed");
      JsonNode v = b.lastVerdict();
      assertThat(v.toString()).contains("\"tee\":\"az-tdx-vtpm\"").contains("\"platform\":\"hardware\"");
      assertThat(v.findValue("reason").asText()).contains("tcb_status: OutOfDate");
      assertThat(JSON.readTree(r.body()).get("detail").asText()).contains("tpm_nonce");
      assertThat(b.audit()).doesNotContain("key_released");
    }
  }

  @Test
  void theConfigurationDecidesWhichFamiliesAreAccepted() throws Exception {
    try (Running all = start("all", "2026-06-01T00:00:00Z")) {
      // Unknown names are refused, case-sensitively.
      for (String tee : new String[] {"cca", "SNP", "TDX", ""}) {
        problem(attest(all.broker().uri(), tee, base64(new byte[] {1})), 401, "tee-unsupported");
      }
      problem(post(HttpClient.newHttpClient(), all.broker().uri(), "/kbs/v0/auth", JSON.createObjectNode().put("version", "0.4.0")),
          400, "bad-request");
      assertThat(all.audit()).contains("tee=snp,az-snp-vtpm,nitro,tdx,sgx,az-tdx-vtpm");
    }
    Path dir = tmp.resolve("snp-only");
    try (Running snpOnly = start("snp-only", "2026-06-01T00:00:00Z", Broker.Options.loopback(dir, 0).withTees(Set.of("snp")))) {
      problem(attest(snpOnly.broker().uri(), "az-snp-vtpm", JSON.readTree(Vectors.read(AZURE))), 401, "tee-unsupported");
      problem(attest(snpOnly.broker().uri(), "nitro", base64(Vectors.read(NITRO))), 401, "tee-unsupported");
    }
    // Another Nitro root: the AWS-rooted document is then not trusted.
    Path other = tmp.resolve("other-root");
    var foreignRoot = dev.cloister.attestation.nitro.NitroDocument.parse(Vectors.read(NITRO)).certificate();
    try (Running b = start("other-root", "2022-10-13T10:00:00Z", Broker.Options.loopback(other, 0).withNitroRoots(List.of(foreignRoot)))) {
      problem(attest(b.broker().uri(), "nitro", base64(Vectors.read(NITRO))), 401, "attestation-failed");
      assertThat(b.lastVerdict().findValue("reason").asText()).contains("nitro.cabundle[0]");
    }
    Path bad = tmp.resolve("bad");
    BrokerInit.init(bad, Clock.systemUTC());
    assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(bad, 0).withTees(Set.of("snp", "cca"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'cca'");
    assertThatThrownBy(() -> Broker.start(Broker.Options.loopback(bad, 0).withTees(Set.of())))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(TeeFamilies.names()).containsExactlyInAnyOrder("snp", "az-snp-vtpm", "nitro", "tdx", "sgx", "az-tdx-vtpm");
  }
}
