package dev.cloister.broker.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.cloister.attestation.TrustTier;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Issues and checks EAR attestation-result tokens (draft-ietf-rats-ear): a JWT signed with the
 * broker's ES256 key, whose public half is served as a JWKS so any standard JWT library can check
 * a token. A token names its TEE key ({@code tee-pubkey}), so a release is always encrypted to the
 * key that was attested.
 */
public final class EarTokens {
  /** The EAR profile this broker emits. */
  public static final String EAT_PROFILE = "tag:github.com,2023:veraison/ear";
  public static final String SUBMOD = "cpu0";

  private final ECKey signingKey;
  private final String issuer;
  private final Clock clock;
  private final Duration lifetime;
  private final ECDSASigner signer;
  private final ECDSAVerifier verifier;

  public EarTokens(ECKey signingKey, String issuer, Clock clock, Duration lifetime) {
    this.signingKey = Objects.requireNonNull(signingKey, "signingKey");
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
    try {
      this.signer = new ECDSASigner(signingKey);
      this.verifier = new ECDSAVerifier(signingKey.toPublicJWK());
    } catch (JOSEException e) {
      throw new IllegalArgumentException("token-signing key is not a usable P-256 key", e);
    }
  }

  /** A fresh P-256 signing key with a random key ID. */
  public static ECKey newSigningKey() {
    try {
      return new ECKeyGenerator(Curve.P_256).keyID(UUID.randomUUID().toString()).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate a P-256 key", e);
    }
  }

  public String issuer() {
    return issuer;
  }

  /** The public keys, for {@code /.well-known/jwks.json}. */
  public Map<String, Object> jwks() {
    return new JWKSet(signingKey.toPublicJWK()).toJSONObject(true);
  }

  /** What an attestation produced, to put in a token. */
  public record Appraisal(
      TrustTier status,
      String policyId,
      Map<String, Object> claims,
      Map<String, Object> teePubkey,
      String nonce,
      boolean simulatedAllowed) {}

  public String issue(Appraisal a) {
    Instant now = clock.instant();
    Map<String, Object> submod = new LinkedHashMap<>();
    submod.put("ear.status", a.status().label());
    submod.put("ear.appraisal-policy-id", a.policyId());
    submod.put("ear.veraison.annotated-evidence", a.claims());
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(issuer)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(lifetime)))
        .jwtID(UUID.randomUUID().toString())
        .claim("eat_profile", EAT_PROFILE)
        .claim("eat_nonce", a.nonce())
        .claim("ear.verifier-id", Map.of("developer", "https://github.com/cloister", "build", "cloister 0.1.0"))
        .claim("submods", Map.of(SUBMOD, submod))
        .claim("tee-pubkey", a.teePubkey())
        .claim("cloister.simulated-allowed", a.simulatedAllowed())
        .build();
    SignedJWT jwt = new SignedJWT(
        new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(signingKey.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a token", e);
    }
    return jwt.serialize();
  }

  /** Thrown for a token that is not this broker's, or is no longer valid; the message says why. */
  public static final class InvalidTokenException extends Exception {
    public InvalidTokenException(String message) {
      super(message);
    }
  }

  /** Checks signature, algorithm, key ID, issuer and expiry; returns the claims. */
  public JWTClaimsSet verify(String token) throws InvalidTokenException {
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      throw new InvalidTokenException("not a JWT");
    }
    if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
      throw new InvalidTokenException("token algorithm must be ES256");
    }
    if (!signingKey.getKeyID().equals(jwt.getHeader().getKeyID())) {
      throw new InvalidTokenException("token was not signed by this broker (unknown kid)");
    }
    try {
      if (!jwt.verify(verifier)) {
        throw new InvalidTokenException("token signature is invalid");
      }
    } catch (JOSEException e) {
      throw new InvalidTokenException("token signature cannot be checked");
    }
    JWTClaimsSet c;
    try {
      c = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new InvalidTokenException("token claims are not valid JSON");
    }
    if (!issuer.equals(c.getIssuer())) {
      throw new InvalidTokenException("token issuer is not this broker");
    }
    if (c.getExpirationTime() == null || !clock.instant().isBefore(c.getExpirationTime().toInstant())) {
      throw new InvalidTokenException("token expired");
    }
    return c;
  }
}
