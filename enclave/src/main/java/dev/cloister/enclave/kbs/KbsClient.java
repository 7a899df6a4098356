package dev.cloister.enclave.kbs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.crypto.ECDHDecrypter;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.cloister.attestation.binding.RuntimeDataBinding;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.util.Objects;

/**
 * One KBS session from inside the TEE: a fresh P-256 key per session ({@code ECDH-ES+A256KW}),
 * {@code auth} for a nonce, evidence whose REPORT_DATA binds nonce and key, {@code attest} for a
 * token, then resources, each decrypted with the session key. The private key never leaves this
 * object and is not printed.
 */
public final class KbsClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final URI broker;
  private final HttpClient http;
  private final ECKey sessionKey;
  private String token;

  /** Thrown when the broker refuses, with its HTTP status and problem detail. */
  public static final class KbsRefusedException extends Exception {
    private final int status;

    public KbsRefusedException(int status, String message) {
      super(message);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  public KbsClient(URI broker, HttpClient.Builder httpBuilder) {
    this.broker = Objects.requireNonNull(broker, "broker");
    this.http = httpBuilder.cookieHandler(new CookieManager()).connectTimeout(Duration.ofSeconds(10)).build();
    try {
      this.sessionKey = new ECKeyGenerator(Curve.P_256).algorithm(JWEAlgorithm.ECDH_ES_A256KW).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate a session key", e);
    }
  }

  public KbsClient(URI broker) {
    this(broker, HttpClient.newBuilder());
  }

  /** The public half of this session's key, as sent in the runtime data. */
  public JsonNode teePubkey() {
    return JSON.valueToTree(sessionKey.toPublicJWK().toJSONObject());
  }

  /** The EAR token, after {@link #attest(EvidenceSource)}. */
  public String token() {
    return token;
  }

  /** Runs {@code auth} and {@code attest}; returns the EAR token. */
  public String attest(EvidenceSource source) throws IOException, KbsRefusedException, InterruptedException {
    ObjectNode auth = JSON.createObjectNode();
    auth.put("version", "0.4.0");
    auth.put("tee", source.tee());
    auth.putObject("extra-params");
    JsonNode challenge = post("/kbs/v0/auth", auth);
    String nonce = challenge.path("nonce").asText(null);
    if (nonce == null) {
      throw new KbsRefusedException(200, "broker's challenge has no nonce");
    }
    JsonNode pubkey = teePubkey();
    byte[] reportData = RuntimeDataBinding.reportData(nonce, pubkey, "", 64);
    JsonNode evidence;
    try {
      evidence = source.evidence(reportData);
    } catch (Exception e) {
      throw new IOException("the platform could not produce evidence: " + e.getMessage(), e);
    }
    ObjectNode attestation = JSON.createObjectNode();
    ObjectNode runtime = attestation.putObject("runtime-data");
    runtime.put("nonce", nonce);
    runtime.set("tee-pubkey", pubkey);
    ObjectNode teeEvidence = attestation.putObject("tee-evidence");
    teeEvidence.set("primary_evidence", evidence);
    teeEvidence.put("additional_evidence", "");
    token = post("/kbs/v0/attest", attestation).path("token").asText(null);
    if (token == null) {
      throw new KbsRefusedException(200, "broker's attestation answer has no token");
    }
    return token;
  }

  /** Fetches and decrypts {@code repository/type/tag} within the attested session. */
  public byte[] resource(String path) throws IOException, KbsRefusedException, InterruptedException {
    HttpRequest.Builder req = HttpRequest.newBuilder(broker.resolve("/kbs/v0/resource/" + path)).timeout(Duration.ofSeconds(30)).GET();
    JsonNode jwe = send(req.build());
    String compact = String.join(".", field(jwe, "protected"), field(jwe, "encrypted_key"), field(jwe, "iv"), field(jwe, "ciphertext"), field(jwe, "tag"));
    try {
      JWEObject o = JWEObject.parse(compact);
      o.decrypt(new ECDHDecrypter(sessionKey));
      return o.getPayload().toBytes();
    } catch (ParseException | JOSEException e) {
      throw new IOException("the released resource does not decrypt with this session's key", e);
    }
  }

  private static String field(JsonNode n, String f) throws IOException {
    JsonNode v = n.get(f);
    if (v == null || !v.isTextual()) {
      throw new IOException("JWE member " + f + " missing");
    }
    return v.asText();
  }

  private JsonNode post(String path, JsonNode body) throws IOException, KbsRefusedException, InterruptedException {
    return send(HttpRequest.newBuilder(broker.resolve(path))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
        .build());
  }

  private JsonNode send(HttpRequest req) throws IOException, KbsRefusedException, InterruptedException {
    HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      String detail;
      try {
        detail = JSON.readTree(r.body()).path("detail").asText("HTTP " + r.statusCode());
      } catch (IOException e) {
        detail = "HTTP " + r.statusCode();
      }
      throw new KbsRefusedException(r.statusCode(), detail);
    }
    return JSON.readTree(r.body());
  }

  @Override
  public String toString() {
    return "KbsClient[" + broker + "]";
  }
}
