package dev.cloister.broker.store;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;

/**
 * The broker's master key: a Tink AES-256-GCM keyset kept in its own file beside the database
 * (mode 0600), so a copy of the database alone reveals no stored secret. Every secret at rest is
 * sealed with it, with the secret's identity as associated data so ciphertexts cannot be swapped.
 */
public final class MasterKey {
  public static final String FILE = "master-key.json";
  private final Aead aead;

  private MasterKey(Aead aead) {
    this.aead = aead;
  }

  public static MasterKey create(Path dataDir) throws IOException, GeneralSecurityException {
    AeadConfig.register();
    KeysetHandle handle = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
    String json = TinkJsonProtoKeysetFormat.serializeKeyset(handle, InsecureSecretKeyAccess.get());
    SecretFiles.writeNew(dataDir.resolve(FILE), json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return new MasterKey(handle.getPrimitive(RegistryConfiguration.get(), Aead.class));
  }

  public static MasterKey load(Path dataDir) throws IOException, GeneralSecurityException {
    AeadConfig.register();
    String json = Files.readString(dataDir.resolve(FILE));
    KeysetHandle handle = TinkJsonProtoKeysetFormat.parseKeyset(json, InsecureSecretKeyAccess.get());
    return new MasterKey(handle.getPrimitive(RegistryConfiguration.get(), Aead.class));
  }

  byte[] seal(byte[] plaintext, String identity) throws GeneralSecurityException {
    return aead.encrypt(plaintext, identity.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  byte[] open(byte[] ciphertext, String identity) throws GeneralSecurityException {
    return aead.decrypt(ciphertext, identity.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "MasterKey[redacted]";
  }
}
