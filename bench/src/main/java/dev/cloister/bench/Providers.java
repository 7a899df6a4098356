package dev.cloister.bench;

import dev.cloister.attestation.crypto.CryptoProviders;

/** Puts a benchmark's JVM under the provider its {@code provider} parameter names (each JMH fork is its own JVM). */
final class Providers {
  private Providers() {}

  /** {@code jdk} keeps the JDK's providers; {@code accp} installs ACCP first, as the CLI and the broker do. */
  static CryptoProviders.Status use(String provider) {
    System.setProperty(CryptoProviders.PROPERTY, provider);
    CryptoProviders.Status s = CryptoProviders.install();
    if (!s.name().equalsIgnoreCase(provider)) {
      // A figure labelled ACCP must not silently come from the JDK.
      throw new IllegalStateException("asked for " + provider + " but " + s + " is in charge");
    }
    return s;
  }
}
