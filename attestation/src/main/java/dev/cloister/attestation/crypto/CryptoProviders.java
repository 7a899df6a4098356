package dev.cloister.attestation.crypto;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.Provider;
import java.security.Security;
import java.util.Locale;

/**
 * Installs the Amazon Corretto Crypto Provider (ACCP, AWS-LC underneath, Apache-2.0) as the most
 * preferred JCA provider, so every {@code getInstance} without a provider name (ours, Tink's,
 * Nimbus's) gets native ECDSA, RSA, AES-GCM, SHA-2, HMAC and HKDF. Why: on this project's machines
 * the JDK verifies ECDSA P-384 at about a twentieth of ACCP's rate, and its AES-GCM runs at
 * interpreter speed (about 75 MB/s) until the JIT has compiled the intrinsic path, which a
 * short-lived command never reaches; ACCP is native from the first byte.
 *
 * <p>Where ACCP cannot load (its native library exists for linux-x86_64 only), the JDK providers
 * stay in charge, unchanged, and one line says so. {@code CLOISTER_CRYPTO_PROVIDER=jdk} (or the
 * system property {@code cloister.crypto.provider=jdk}) keeps the JDK providers on purpose, for
 * baselines and for comparing behaviour. Algorithms ACCP lacks still come from the JDK providers,
 * which stay registered behind it.
 */
public final class CryptoProviders {
  /** The environment variable and system property that choose: {@code accp} (default) or {@code jdk}. */
  public static final String ENV = "CLOISTER_CRYPTO_PROVIDER";
  public static final String PROPERTY = "cloister.crypto.provider";

  private static final System.Logger LOG = System.getLogger(CryptoProviders.class.getName());
  private static volatile Status status;

  private CryptoProviders() {}

  /**
   * Which provider does the hot primitives.
   *
   * @param name {@code ACCP} or {@code JDK}
   * @param detail the provider's version, or why the JDK is in charge
   */
  public record Status(String name, String detail) {
    public boolean accp() {
      return name.equals("ACCP");
    }

    @Override
    public String toString() {
      return name + " (" + detail + ")";
    }
  }

  /** Installs ACCP first in the provider list, unless told not to or it cannot load. Idempotent; returns what is in charge. */
  public static synchronized Status install() {
    if (status != null) {
      return status;
    }
    String choice = choice();
    if (choice.equals("jdk")) {
      status = new Status("JDK", "chosen with " + ENV + "=jdk");
      return status;
    }
    if (!choice.equals("accp")) {
      LOG.log(System.Logger.Level.WARNING, ENV + "=" + choice + " is not 'accp' or 'jdk'; using the default, accp");
    }
    try {
      AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
      Throwable error = accp.getLoadingError();
      if (error != null) {
        return fallBack("ACCP's native library did not load: " + error);
      }
      Provider first = Security.getProviders()[0];
      if (first != accp) {
        Security.removeProvider(accp.getName()); // in case it sits further down the list
        Security.insertProviderAt(accp, 1);
      }
      status = new Status("ACCP", accp.getName() + " " + accp.getVersionStr() + ", " + accp.getAwsLcVersionStr());
    } catch (LinkageError | RuntimeException e) {
      // No ACCP jar on the class path, or a platform without its native code.
      return fallBack("ACCP is not available: " + e);
    }
    return status;
  }

  /** What is in charge now, without installing anything. */
  public static Status current() {
    Status s = status;
    if (s != null) {
      return s;
    }
    Provider first = Security.getProviders()[0];
    return first.getName().startsWith("AmazonCorretto") ? new Status("ACCP", first.getName() + " " + first.getVersionStr())
        : new Status("JDK", "ACCP not installed");
  }

  private static Status fallBack(String why) {
    LOG.log(System.Logger.Level.INFO, "cloister: using the JDK's crypto providers (" + why + ")");
    status = new Status("JDK", why);
    return status;
  }

  private static String choice() {
    String p = System.getProperty(PROPERTY);
    String v = p != null ? p : System.getenv(ENV);
    return v == null || v.isBlank() ? "accp" : v.strip().toLowerCase(Locale.ROOT);
  }
}
