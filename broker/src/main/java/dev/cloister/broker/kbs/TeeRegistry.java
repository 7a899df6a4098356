package dev.cloister.broker.kbs;

import dev.cloister.attestation.dcap.evidence.IntelTee;
import dev.cloister.attestation.dcap.tcb.CollateralSource;
import dev.cloister.attestation.nitro.NitroVerifier;
import dev.cloister.attestation.snp.appraise.SnpAppraisalOptions;
import dev.cloister.attestation.snp.verify.CertificateSource;
import dev.cloister.attestation.snp.verify.SnpVerifier;
import dev.cloister.attestation.snp.verify.TrustAnchor;
import dev.cloister.attestation.snp.verify.VerifyOptions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The one place where KBS {@code tee} values become verifiers. Each TEE family is one line of
 * {@link #FAMILIES}; which families a broker accepts, and which roots they trust, come from its
 * configuration ({@link Config}, {@code broker serve --tee}). Nothing else in the broker knows a
 * family: the protocol, tokens, release policies and audit see one {@code AttestationResult}.
 */
public final class TeeRegistry {
  /**
   * What the families' verifiers are built from.
   *
   * @param clock the broker's clock, for every certificate validity check
   * @param snpCertificates where SEV-SNP VCEKs not sent in the evidence come from (the KDS cache)
   * @param allowSimulated whether plain SEV-SNP also trusts {@code simulatedAnchors} (never a hardware family else)
   * @param simulatedAnchors the simulated platforms' roots
   * @param nitroRoots the Nitro roots to trust (default: AWS's G1 root, embedded and pinned)
   * @param intelCollateral where TDX and SGX collateral comes from
   */
  public record Config(
      Clock clock, CertificateSource snpCertificates, boolean allowSimulated, List<TrustAnchor> simulatedAnchors, List<X509Certificate> nitroRoots,
      CollateralSource intelCollateral) {
    public Config {
      Objects.requireNonNull(intelCollateral, "intelCollateral");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(snpCertificates, "snpCertificates");
      simulatedAnchors = List.copyOf(simulatedAnchors);
      nitroRoots = List.copyOf(nitroRoots);
    }

    /** Verification options with AMD's roots only, plus the simulated ones when allowed and asked for. */
    VerifyOptions snpVerify(boolean withSimulated) {
      VerifyOptions.Builder b = VerifyOptions.builder().clock(clock).certificates(snpCertificates);
      if (withSimulated && allowSimulated) {
        simulatedAnchors.forEach(b::addTrustAnchor);
      }
      return b.build();
    }

    SnpAppraisalOptions snpAppraisal(boolean withSimulated) {
      return SnpAppraisalOptions.defaults().toBuilder().allowSimulated(withSimulated && allowSimulated).build();
    }
  }

  /** One TEE family: its KBS {@code tee} value and how to build its verifier. */
  private record Registration(String tee, Function<Config, TeeVerifier> verifier) {}

  private static final List<Registration> FAMILIES = List.of(
      new Registration("snp", c -> new SnpTeeVerifier(new SnpVerifier(c.snpVerify(true)), c.snpAppraisal(true))),
      new Registration("az-snp-vtpm", c -> new AzSnpVtpmTeeVerifier(c.snpVerify(false), c.snpAppraisal(false))),
      new Registration("nitro", c -> new NitroTeeVerifier(c.nitroRoots(), c.clock())),
      new Registration("tdx", c -> new DcapTeeVerifier(IntelTee.TDX, c.clock(), c.intelCollateral())),
      new Registration("sgx", c -> new DcapTeeVerifier(IntelTee.SGX, c.clock(), c.intelCollateral())),
      new Registration("az-tdx-vtpm", c -> new AzTdxVtpmTeeVerifier(c.clock(), c.intelCollateral())));

  private TeeRegistry() {}

  /** Every family this broker can accept: the default set, since every registered family is hardware-rooted. */
  public static Set<String> known() {
    Set<String> out = new TreeSet<>();
    FAMILIES.forEach(r -> out.add(r.tee()));
    return out;
  }

  /** The default for {@link Config#nitroRoots()}. */
  public static List<X509Certificate> defaultNitroRoots() {
    return List.of(NitroVerifier.awsRoot());
  }

  /**
   * The verifiers of the {@code enabled} families, by {@code tee} value.
   *
   * @throws IllegalArgumentException if {@code enabled} is empty or names a family not registered
   */
  public static Map<String, TeeVerifier> verifiers(Set<String> enabled, Config config) {
    if (enabled.isEmpty()) {
      throw new IllegalArgumentException("no TEE family enabled (known: " + String.join(", ", known()) + ")");
    }
    for (String tee : enabled) {
      if (!known().contains(tee)) {
        throw new IllegalArgumentException("unknown TEE family '" + tee + "' (known: " + String.join(", ", known()) + ")");
      }
    }
    Map<String, TeeVerifier> out = new LinkedHashMap<>();
    for (Registration r : FAMILIES) {
      if (enabled.contains(r.tee())) {
        out.put(r.tee(), r.verifier().apply(config));
      }
    }
    return out;
  }
}
