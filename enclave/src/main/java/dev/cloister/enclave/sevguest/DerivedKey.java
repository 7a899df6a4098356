package dev.cloister.enclave.sevguest;

import java.util.Arrays;
import javax.security.auth.Destroyable;

/**
 * A key derived by the secure processor (SNP_GET_DERIVED_KEY): 32 bytes bound to the chosen root
 * key and guest fields, the same for every launch of the same guest. It is secret: it is held here,
 * handed out only as a copy the caller must wipe, printed nowhere, and wiped by {@link #destroy()}
 * (or try-with-resources).
 */
public final class DerivedKey implements Destroyable, AutoCloseable {
  private final byte[] key;
  private boolean destroyed;

  DerivedKey(byte[] key) {
    this.key = key.clone();
  }

  /** A copy of the key; throws once destroyed. */
  public synchronized byte[] bytes() {
    if (destroyed) {
      throw new IllegalStateException("the derived key was destroyed");
    }
    return key.clone();
  }

  public int length() {
    return key.length;
  }

  @Override
  public synchronized void destroy() {
    Arrays.fill(key, (byte) 0);
    destroyed = true;
  }

  @Override
  public synchronized boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public void close() {
    destroy();
  }

  @Override
  public String toString() {
    return "DerivedKey[" + key.length + " bytes, redacted]";
  }
}
