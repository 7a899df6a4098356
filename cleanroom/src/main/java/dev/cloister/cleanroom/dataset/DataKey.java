package dev.cloister.cleanroom.dataset;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.SecretKeyAccess;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingParameters;
import com.google.crypto.tink.streamingaead.StreamingAeadConfig;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Objects;

/**
 * A dataset's data key: a Tink keyset for AES-256-GCM-HKDF streaming AEAD with 64 KiB segments
 * (small enough that a short-lived process encrypts at speed before the JIT warms up, large enough
 * to keep the per-segment overhead under 0.1%). Its bytes leave this object only through an
 * explicit {@link SecretKeyAccess}, so every place a key is exported can be found.
 */
public final class DataKey {
  static final AesGcmHkdfStreamingParameters PARAMETERS;

  static {
    try {
      StreamingAeadConfig.register();
      PARAMETERS = AesGcmHkdfStreamingParameters.builder()
          .setKeySizeBytes(32)
          .setDerivedAesGcmKeySizeBytes(32)
          .setHkdfHashType(AesGcmHkdfStreamingParameters.HashType.SHA256)
          .setCiphertextSegmentSizeBytes(64 * 1024)
          .build();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final KeysetHandle handle;

  private DataKey(KeysetHandle handle) {
    this.handle = handle;
  }

  public static DataKey generate() throws GeneralSecurityException {
    return new DataKey(KeysetHandle.generateNew(PARAMETERS));
  }

  /** Reads a key exported by {@link #toBytes}. */
  public static DataKey fromBytes(byte[] serialized, SecretKeyAccess access) throws GeneralSecurityException {
    Objects.requireNonNull(access, "access");
    return new DataKey(TinkJsonProtoKeysetFormat.parseKeyset(new String(serialized, StandardCharsets.UTF_8), access));
  }

  /** The keyset, serialized: this is what the owner's broker holds and releases. */
  public byte[] toBytes(SecretKeyAccess access) {
    Objects.requireNonNull(access, "access");
    try {
      return TinkJsonProtoKeysetFormat.serializeKeyset(handle, access).getBytes(StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot serialize a data key", e);
    }
  }

  StreamingAead primitive() throws GeneralSecurityException {
    return handle.getPrimitive(RegistryConfiguration.get(), StreamingAead.class);
  }

  /** The capability token for call sites that must export key bytes (the broker upload, a key file). */
  public static SecretKeyAccess exportAccess() {
    return InsecureSecretKeyAccess.get();
  }

  @Override
  public String toString() {
    return "DataKey[redacted]";
  }
}
