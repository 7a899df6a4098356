package dev.cloister.attestation.testing;

import dev.cloister.attestation.dcap.issue.DcapIssuer;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Objects;

/**
 * A fake Intel DCAP platform <strong>for tests only</strong>: a {@link DcapIssuer} (its own PKI in
 * Intel's shape, quotes with every signature real, signed collateral whose TCB levels the test
 * chooses) with names that say FAKE and a seeded generator. It exists because real samples cannot
 * show revocation, most status convergence rules or TDX module mismatches: only Intel can sign
 * those, and Intel publishes few such quotes.
 *
 * <p>Its root ({@value #ROOT_CN}) is generated per instance and is <strong>never trusted by
 * default</strong>: a verifier accepts its evidence only when a test passes {@link DcapIssuer#root()}
 * explicitly (e.g. {@code CollateralVerifier.withRoots}).
 *
 * <p>Deterministic: every key, serial and ECDSA nonce comes from one {@code SHA1PRNG} seeded by
 * {@link Builder#seed(long)}, and no date is read from a clock.
 */
public final class FakeDcapPlatform {
  public static final String ROOT_CN = "Fake SGX Root CA";
  public static final String PCK_CA_CN = "Fake SGX PCK Platform CA";
  public static final String PCK_CN = "Fake SGX PCK Certificate";
  /**
   * The TCB Signing certificate's CN. It must contain "Intel SGX TCB Signing": the collateral
   * verifier accepts a TCB info or QE identity only from a leaf so named (as Intel's library does),
   * and a fake that failed that check could not reach any of the TCB logic under test. The
   * organisation and OU still say it is fake, and only the fake root vouches for it.
   */
  public static final String TCB_SIGNING_CN = "Intel SGX TCB Signing (Cloister FAKE)";
  public static final DcapIssuer.Names NAMES = new DcapIssuer.Names(ROOT_CN, PCK_CA_CN, PCK_CN, TCB_SIGNING_CN,
      ",OU=FAKE - never trusted by default,O=Cloister fake DCAP platform,C=US");

  /** Fixed defaults, not the wall clock: the same seed must give the same bytes on any day. */
  public static final Instant DEFAULT_NOT_BEFORE = Instant.parse("2024-01-01T00:00:00Z");
  public static final Instant DEFAULT_NOT_AFTER = Instant.parse("2044-01-01T00:00:00Z");

  private FakeDcapPlatform() {}

  public static Builder builder() {
    return new Builder();
  }

  /** Chooses the seed (required) and the validity of the CA certificates. */
  public static final class Builder {
    private SecureRandom random;
    private Instant notBefore = DEFAULT_NOT_BEFORE;
    private Instant notAfter = DEFAULT_NOT_AFTER;

    private Builder() {}

    /** Seeds a private {@code SHA1PRNG}: keys, serials and signatures become reproducible. */
    public Builder seed(long seed) {
      try {
        SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
        r.setSeed(ByteBuffer.allocate(8).putLong(seed).array()); // seeded before first use: fully determined
        this.random = r;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("SHA1PRNG is unavailable", e);
      }
      return this;
    }

    /** Uses a caller's generator instead (e.g. a real one, when determinism is not wanted). */
    public Builder random(SecureRandom random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** Validity of the root, PCK CA and TCB Signing certificates, and the default of every window below. */
    public Builder validity(Instant notBefore, Instant notAfter) {
      if (!Objects.requireNonNull(notBefore, "notBefore").isBefore(Objects.requireNonNull(notAfter, "notAfter"))) {
        throw new IllegalArgumentException("validity: notBefore must be before notAfter");
      }
      this.notBefore = notBefore;
      this.notAfter = notAfter;
      return this;
    }

    public DcapIssuer build() {
      if (random == null) {
        throw new IllegalStateException("seed: choose one (seed(long) or random(SecureRandom)) so a failing test can be replayed");
      }
      return DcapIssuer.create(NAMES, random, notBefore, notAfter);
    }
  }
}
