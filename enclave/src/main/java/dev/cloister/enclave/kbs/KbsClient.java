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
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.binding.RuntimeDataBinding;
import dev.cloister.attestation.json.StrictJson;
import dev.cloister.attestation.tee.TeeFamilies;
import java.io.IOException;
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
 *
 * <p>Sessions share one HTTP client per process (unless given a builder): the session is the
 * {@code kbs-session-id} cookie this object keeps, not the connection, so a job that attests to
 * several brokers, or a TEE that opens session after session, reuses keep-alive connections
 * instead of opening a client, a selector thread and a TCP connection per session and leaving
 * them idle behind it (a broker closes idle connections beyond its limit, which broke sessions
 * still using theirs).
 */
public final class KbsClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SESSION_COOKIE = "kbs-session-id";
  private final URI broker;
  private final HttpClient http;
  private final ECKey sessionKey;
  private String token;
  private String sessionCookie;

  /** The process-wide client, created on first use. */
  private static final class Shared {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

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

  /** A session over a client of its own, built from {@code httpBuilder} (e.g. with a TLS context). */
  public KbsClient(URI broker, HttpClient.Builder httpBuilder) {
    this(broker, httpBuilder.connectTimeout(Duration.ofSeconds(10)).build());
  }

  /** A session over the process-wide HTTP client. */
  public KbsClient(URI broker) {
    this(broker, Shared.HTTP);
  }

  private KbsClient(URI broker, HttpClient http) {
    this.broker = Objects.requireNonNull(broker, "broker");
    this.http = http;
    try {
      this.sessionKey = new ECKeyGenerator(Curve.P_256).algorithm(JWEAlgorithm.ECDH_ES_A256KW).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate a session key", e);
    }
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
    // The digest's size is the family's binding: zero-padded to 64 for REPORT_DATA, 48 bytes for Nitro's user_data.
    int size = TeeFamilies.named(source.tee()).map(f -> f.binding().size()).orElse(64);
    byte[] reportData = RuntimeDataBinding.reportData(nonce, pubkey, "", size);
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
    JsonNode jwe = send(req);
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
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))));
  }

  private JsonNode send(HttpRequest.Builder req) throws IOException, KbsRefusedException, InterruptedException {
    if (sessionCookie != null) {
      req.header("Cookie", SESSION_COOKIE + "=" + sessionCookie);
    }
    HttpResponse<byte[]> r = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
    for (String c : r.headers().allValues("Set-Cookie")) {
      String first = c.split(";", 2)[0].strip();
      if (first.startsWith(SESSION_COOKIE + "=")) {
        sessionCookie = first.substring(SESSION_COOKIE.length() + 1);
      }
    }
    if (r.statusCode() != 200) {
      String detail;
      try {
        detail = StrictJson.object(r.body(), "problem").path("detail").asText("HTTP " + r.statusCode());
      } catch (MalformedEvidenceException e) {
        detail = "HTTP " + r.statusCode();
      }
      throw new KbsRefusedException(r.statusCode(), detail);
    }
    try {
      return StrictJson.object(r.body(), "response"); // the token and the wrapped secret come from here
    } catch (MalformedEvidenceException e) {
      throw new IOException("the broker's answer at " + req.build().uri() + " is not strict JSON: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "KbsClient[" + broker + "]";
  }
}
