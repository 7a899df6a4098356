package dev.cloister.broker.release;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEEncrypter;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDHEncrypter;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import java.text.ParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encrypts a released secret to the attested TEE key as a JWE in flattened JSON serialization, as
 * KBS clients expect: {@code ECDH-ES+A256KW} for an EC P-256 key or {@code RSA-OAEP-256} for an RSA
 * key of at least 2048 bits, content encrypted with {@code A256GCM}. Nimbus does the cryptography;
 * this class only picks the algorithms and re-serialises the compact form's five parts.
 */
public final class SecretWrapper {
  private SecretWrapper() {}

  /** Thrown for a TEE key this broker will not encrypt to. */
  public static final class UnsupportedKeyException extends Exception {
    public UnsupportedKeyException(String message) {
      super(message);
    }
  }

  /** Parses and checks a TEE public key JWK (as sent in the attestation's runtime data). */
  public static JWK teeKey(Map<String, Object> jwk) throws UnsupportedKeyException {
    JWK key;
    try {
      key = JWK.parse(jwk);
    } catch (ParseException e) {
      throw new UnsupportedKeyException("tee-pubkey is not a valid JWK");
    }
    if (key.isPrivate()) {
      throw new UnsupportedKeyException("tee-pubkey must be a public key");
    }
    switch (key) {
      case ECKey ec when Curve.P_256.equals(ec.getCurve()) -> {
        if (ec.getAlgorithm() != null && !JWEAlgorithm.ECDH_ES_A256KW.equals(ec.getAlgorithm())) {
          throw new UnsupportedKeyException("EC tee-pubkey alg must be ECDH-ES+A256KW");
        }
      }
      case RSAKey rsa -> {
        if (rsa.size() < 2048) {
          throw new UnsupportedKeyException("RSA tee-pubkey must be at least 2048 bits");
        }
        if (rsa.getAlgorithm() != null && !JWEAlgorithm.RSA_OAEP_256.equals(rsa.getAlgorithm())) {
          throw new UnsupportedKeyException("RSA tee-pubkey alg must be RSA-OAEP-256");
        }
      }
      default -> throw new UnsupportedKeyException("tee-pubkey must be EC P-256 or RSA");
    }
    return key;
  }

  /** The flattened JWE JSON object for {@code secret}. */
  public static Map<String, String> wrap(byte[] secret, JWK teeKey) throws UnsupportedKeyException {
    try {
      JWEHeader header;
      JWEEncrypter encrypter;
      if (teeKey instanceof ECKey ec) {
        header = new JWEHeader(JWEAlgorithm.ECDH_ES_A256KW, EncryptionMethod.A256GCM);
        encrypter = new ECDHEncrypter(ec);
      } else if (teeKey instanceof RSAKey rsa) {
        header = new JWEHeader(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A256GCM);
        encrypter = new RSAEncrypter(rsa);
      } else {
        throw new UnsupportedKeyException("tee-pubkey must be EC P-256 or RSA");
      }
      JWEObject jwe = new JWEObject(header, new Payload(secret));
      jwe.encrypt(encrypter);
      String[] parts = jwe.serialize().split("\\.", -1);
      Map<String, String> out = new LinkedHashMap<>();
      out.put("protected", parts[0]);
      out.put("encrypted_key", parts[1]);
      out.put("iv", parts[2]);
      out.put("ciphertext", parts[3]);
      out.put("tag", parts[4]);
      return out;
    } catch (JOSEException e) {
      throw new UnsupportedKeyException("cannot encrypt to tee-pubkey: " + e.getMessage());
    }
  }
}
