package dev.cloister.broker.kbs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.attestation.dcap.evidence.IntelTee;
import dev.cloister.attestation.dcap.tcb.CollateralSource;
import dev.cloister.attestation.nitro.NitroVerifier;
import dev.cloister.attestation.snp.appraise.SnpAppraisalOptions;
import dev.cloister.attestation.snp.appraise.SnpPolicyFile;
import dev.cloister.attestation.snp.verify.CertificateSource;
import dev.cloister.attestation.snp.verify.SnpVerifier;
import dev.cloister.attestation.snp.verify.TrustAnchor;
import dev.cloister.attestation.snp.verify.VerifyOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
   * @param snpPolicies appraisal options by family ({@code snp}, {@code az-snp-vtpm}), from {@link #policies};
   *     a family not named is appraised with the defaults
   * @param requireCrl SEV-SNP verification fails unless a CRL signed by the report's ARK was checked
   */
  public record Config(
      Clock clock, CertificateSource snpCertificates, boolean allowSimulated, List<TrustAnchor> simulatedAnchors, List<X509Certificate> nitroRoots,
      CollateralSource intelCollateral, Map<String, SnpAppraisalOptions> snpPolicies, boolean requireCrl) {
    public Config {
      snpPolicies = Map.copyOf(snpPolicies);
      Objects.requireNonNull(intelCollateral, "intelCollateral");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(snpCertificates, "snpCertificates");
      simulatedAnchors = List.copyOf(simulatedAnchors);
      nitroRoots = List.copyOf(nitroRoots);
    }

    /** Verification options with AMD's roots only, plus the simulated ones when allowed and asked for. */
    VerifyOptions snpVerify(boolean withSimulated) {
      VerifyOptions.Builder b = VerifyOptions.builder().clock(clock).certificates(snpCertificates).requireRevocationCheck(requireCrl);
      if (withSimulated && allowSimulated) {
        simulatedAnchors.forEach(b::addTrustAnchor);
      }
      return b.build();
    }

    /** The family's policy file, else the defaults; simulation only from the broker's own flag, as for {@code attest verify}. */
    SnpAppraisalOptions snpAppraisal(String family, boolean withSimulated) {
      return snpPolicies.getOrDefault(family, SnpAppraisalOptions.defaults()).toBuilder().allowSimulated(withSimulated && allowSimulated).build();
    }
  }

  /** One TEE family: its KBS {@code tee} value and how to build its verifier. */
  private record Registration(String tee, Function<Config, TeeVerifier> verifier) {}

  private static final List<Registration> FAMILIES = List.of(
      new Registration("snp", c -> new SnpTeeVerifier(new SnpVerifier(c.snpVerify(true)), c.snpAppraisal("snp", true))),
      new Registration("az-snp-vtpm", c -> new AzSnpVtpmTeeVerifier(c.snpVerify(false), c.snpAppraisal("az-snp-vtpm", false))),
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

  /** The families whose appraisal a policy file configures: those {@code attest verify --policy} reads (SEV-SNP's format). */
  public static final Set<String> POLICY_FAMILIES = Set.of("snp", "az-snp-vtpm");

  /**
   * Reads {@code broker serve --policy FAMILY=FILE} files, each in {@link SnpPolicyFile}'s format, as
   * {@code attest verify --policy} reads them. A file may not set {@code report_data}: the broker
   * binds it to each session.
   *
   * @throws IllegalArgumentException naming the family, the file and what is wrong with it
   */
  public static Map<String, SnpAppraisalOptions> policies(Map<String, Path> files, Set<String> enabled) {
    Map<String, SnpAppraisalOptions> out = new LinkedHashMap<>();
    for (Map.Entry<String, Path> f : new java.util.TreeMap<>(files).entrySet()) {
      String family = f.getKey();
      String where = "--policy " + family + "=" + f.getValue();
      if (!known().contains(family)) {
        throw new IllegalArgumentException(where + ": unknown TEE family '" + family + "' (known: " + String.join(", ", known()) + ")");
      }
      if (!POLICY_FAMILIES.contains(family)) {
        throw new IllegalArgumentException(where + ": no appraisal policy file format for " + family
            + " yet; policy files configure " + String.join(", ", new TreeSet<>(POLICY_FAMILIES)));
      }
      if (!enabled.contains(family)) {
        throw new IllegalArgumentException(where + ": " + family + " is not an accepted family (--tee)");
      }
      byte[] json;
      try {
        json = Files.readAllBytes(f.getValue());
      } catch (IOException e) {
        throw new IllegalArgumentException(where + ": cannot read the file");
      }
      try {
        if (new ObjectMapper().readTree(json) instanceof ObjectNode o && o.has("report_data")) {
          throw new IllegalArgumentException("report_data: the broker binds REPORT_DATA to each session; a policy cannot set it");
        }
        out.put(family, SnpPolicyFile.parse(json));
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + (e instanceof IOException ? "not valid JSON" : e.getMessage()));
      }
    }
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
