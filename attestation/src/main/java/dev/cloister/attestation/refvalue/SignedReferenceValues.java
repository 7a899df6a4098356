package dev.cloister.attestation.refvalue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import java.io.IOException;
import java.text.ParseException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * Reference values as compact JWS (ES256, {@code typ: cloister-refvalue+jws}) over the RFC 8785
 * JSON of the value, signed by a pipeline's P-256 key. Verification accepts a value only when the
 * signing key is one the verifier trusts (by key ID and key) and the value is valid now. Unlike
 * Trustee's RVPS, an unsigned value is never accepted.
 */
public final class SignedReferenceValues {
  public static final JOSEObjectType TYPE = new JOSEObjectType("cloister-refvalue+jws");
  private static final ObjectMapper JSON = new ObjectMapper();

  private SignedReferenceValues() {}

  public static String sign(ReferenceValue rv, ECKey pipelineKey) {
    try {
      byte[] payload = new JsonCanonicalizer(JSON.writeValueAsString(rv.claims())).getEncodedUTF8();
      JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.ES256).type(TYPE).keyID(pipelineKey.getKeyID()).build(), new Payload(payload));
      jws.sign(new ECDSASigner(pipelineKey));
      return jws.serialize();
    } catch (IOException | JOSEException e) {
      throw new IllegalStateException("cannot sign a reference value", e);
    }
  }

  public static ReferenceValue verify(String document, List<ECKey> trusted, Instant now) throws ReferenceValueException {
    JWSObject jws;
    try {
      jws = JWSObject.parse(document.strip());
    } catch (ParseException e) {
      throw new ReferenceValueException("not a signed reference value (compact JWS expected; unsigned values are refused)");
    }
    if (!JWSAlgorithm.ES256.equals(jws.getHeader().getAlgorithm()) || !TYPE.equals(jws.getHeader().getType())) {
      throw new ReferenceValueException("reference values must be ES256 JWS of type " + TYPE);
    }
    String kid = jws.getHeader().getKeyID();
    ECKey key = trusted.stream().filter(k -> k.getKeyID() != null && k.getKeyID().equals(kid)).findFirst()
        .orElseThrow(() -> new ReferenceValueException("signed by key '" + kid + "', which is not a trusted pipeline key"));
    try {
      if (!jws.verify(new ECDSAVerifier(key.toPublicJWK()))) {
        throw new ReferenceValueException("signature does not verify with trusted key '" + kid + "'");
      }
    } catch (JOSEException e) {
      throw new ReferenceValueException("signature cannot be checked with key '" + kid + "'");
    }
    ReferenceValue rv;
    try {
      JsonNode n = dev.cloister.attestation.json.StrictJson.object(jws.getPayload().toBytes(), "payload");
      rv = new ReferenceValue(n.path("name").asText(null), n.path("version").asText(null), n.path("kind").asText(""),
          n.path("measurement").asText(null), Instant.parse(n.path("issued_at").asText()),
          n.has("valid_until") ? Optional.of(Instant.parse(n.get("valid_until").asText())) : Optional.empty());
    } catch (dev.cloister.attestation.MalformedEvidenceException | DateTimeParseException | IllegalArgumentException | NullPointerException e) {
      throw new ReferenceValueException("payload is not a reference value: " + e.getMessage());
    }
    if (!rv.validAt(now)) {
      throw new ReferenceValueException("reference value " + rv.name() + " " + rv.version() + " is not valid at " + now);
    }
    return rv;
  }
}
