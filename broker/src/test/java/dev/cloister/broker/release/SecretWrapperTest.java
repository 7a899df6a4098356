package dev.cloister.broker.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.crypto.ECDHDecrypter;
import com.nimbusds.jose.crypto.RSADecrypter;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretWrapperTest {
  static final byte[] SECRET = "secret".getBytes();

  static byte[] unwrap(Map<String, String> jwe, com.nimbusds.jose.JWEDecrypter d) throws Exception {
    JWEObject o = JWEObject.parse(String.join(".", jwe.get("protected"), jwe.get("encrypted_key"), jwe.get("iv"), jwe.get("ciphertext"), jwe.get("tag")));
    o.decrypt(d);
    assertThat(o.getHeader().getEncryptionMethod().getName()).isEqualTo("A256GCM");
    return o.getPayload().toBytes();
  }

  @Test
  void ecP256AndRsaOaep256KeysReceiveAFlattenedJwe() throws Exception {
    ECKey ec = new ECKeyGenerator(Curve.P_256).generate();
    Map<String, String> a = SecretWrapper.wrap(SECRET, SecretWrapper.teeKey(ec.toPublicJWK().toJSONObject()));
    assertThat(a).containsOnlyKeys("protected", "encrypted_key", "iv", "ciphertext", "tag");
    assertThat(unwrap(a, new ECDHDecrypter(ec))).isEqualTo(SECRET);
    RSAKey rsa = new RSAKeyGenerator(2048).generate();
    Map<String, String> b = SecretWrapper.wrap(SECRET, SecretWrapper.teeKey(rsa.toPublicJWK().toJSONObject()));
    assertThat(unwrap(b, new RSADecrypter(rsa))).isEqualTo(SECRET);
  }

  @Test
  void weakOrWrongKeysAreRefused() throws Exception {
    assertThatThrownBy(() -> SecretWrapper.teeKey(new RSAKeyGenerator(1024, true).generate().toPublicJWK().toJSONObject()))
        .hasMessageContaining("2048");
    assertThatThrownBy(() -> SecretWrapper.teeKey(new ECKeyGenerator(Curve.P_384).generate().toPublicJWK().toJSONObject()))
        .hasMessageContaining("P-256");
    ECKey priv = new ECKeyGenerator(Curve.P_256).generate();
    assertThatThrownBy(() -> SecretWrapper.teeKey(priv.toJSONObject())).hasMessageContaining("public");
    assertThatThrownBy(() -> SecretWrapper.teeKey(Map.of("kty", "oct", "k", "AAAA"))).isInstanceOf(SecretWrapper.UnsupportedKeyException.class);
  }
}
