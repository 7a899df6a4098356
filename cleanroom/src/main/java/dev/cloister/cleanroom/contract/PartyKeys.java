package dev.cloister.cleanroom.contract;

import com.google.crypto.tink.HybridDecrypt;
import com.google.crypto.tink.HybridEncrypt;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.hybrid.HpkeParameters;
import com.google.crypto.tink.hybrid.HybridConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * A party's keys: an Ed25519 pair that signs contracts, and an HPKE (RFC 9180, DHKEM X25519,
 * HKDF-SHA256, AES-256-GCM) keyset that receives the job's output. In a directory: {@code
 * <party>.sign.key} and {@code <party>.hpke.json} (private, 0600), {@code <party>.sign.pub} and
 * {@code <party>.hpke.pub.json} (public, to put in the contract).
 */
public final class PartyKeys {
  static final HpkeParameters HPKE;

  static {
    try {
      HybridConfig.register();
      HPKE = HpkeParameters.builder()
          .setKemId(HpkeParameters.KemId.DHKEM_X25519_HKDF_SHA256)
          .setKdfId(HpkeParameters.KdfId.HKDF_SHA256)
          .setAeadId(HpkeParameters.AeadId.AES_256_GCM)
          .setVariant(HpkeParameters.Variant.NO_PREFIX)
          .build();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private PartyKeys() {}

  /** Creates a party's keys in {@code dir}; refuses to overwrite. */
  public static void generate(Path dir, String party) throws IOException, GeneralSecurityException {
    Files.createDirectories(dir);
    KeyPair sign = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    KeysetHandle hpke = KeysetHandle.generateNew(HPKE);
    secret(dir.resolve(party + ".sign.key"), Base64.getEncoder().encodeToString(sign.getPrivate().getEncoded()));
    secret(dir.resolve(party + ".hpke.json"), TinkJsonProtoKeysetFormat.serializeKeyset(hpke, InsecureSecretKeyAccess.get()));
    Files.writeString(dir.resolve(party + ".sign.pub"), Base64.getEncoder().encodeToString(sign.getPublic().getEncoded()) + "\n");
    Files.writeString(dir.resolve(party + ".hpke.pub.json"), TinkJsonProtoKeysetFormat.serializeKeysetWithoutSecret(hpke.getPublicKeysetHandle()));
  }

  private static void secret(Path file, String content) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    }
    Files.writeString(file, content);
  }

  public static PublicKey signingPublic(Path dir, String party) throws IOException, GeneralSecurityException {
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(
        Base64.getDecoder().decode(Files.readString(dir.resolve(party + ".sign.pub")).strip())));
  }

  public static PrivateKey signingPrivate(Path dir, String party) throws IOException, GeneralSecurityException {
    return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(
        Base64.getDecoder().decode(Files.readString(dir.resolve(party + ".sign.key")).strip())));
  }

  /** The value a contract carries as the party's signing key. */
  public static String signingKeyText(Path dir, String party) throws IOException {
    return Files.readString(dir.resolve(party + ".sign.pub")).strip();
  }

  /** The value a contract carries as the party's HPKE public keyset (base64 of Tink's JSON). */
  public static String hpkePublicText(Path dir, String party) throws IOException {
    return Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve(party + ".hpke.pub.json")));
  }

  public static HybridEncrypt encrypterFor(String hpkePublicText) throws GeneralSecurityException {
    KeysetHandle h = TinkJsonProtoKeysetFormat.parseKeysetWithoutSecret(
        new String(Base64.getDecoder().decode(hpkePublicText), StandardCharsets.UTF_8));
    return h.getPrimitive(RegistryConfiguration.get(), HybridEncrypt.class);
  }

  public static HybridDecrypt decrypter(Path dir, String party) throws IOException, GeneralSecurityException {
    KeysetHandle h = TinkJsonProtoKeysetFormat.parseKeyset(Files.readString(dir.resolve(party + ".hpke.json")), InsecureSecretKeyAccess.get());
    return h.getPrimitive(RegistryConfiguration.get(), HybridDecrypt.class);
  }
}
