package dev.cloister.broker.kbs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.dcap.appraise.SgxAppraisalOptions;
import dev.cloister.attestation.dcap.appraise.SgxPolicyFile;
import dev.cloister.attestation.dcap.appraise.TdxAppraisalOptions;
import dev.cloister.attestation.dcap.appraise.TdxPolicyFile;
import dev.cloister.attestation.dcap.evidence.IntelTee;
import dev.cloister.attestation.dcap.tcb.CollateralSource;
import dev.cloister.attestation.json.PolicyJson;
import dev.cloister.attestation.nitro.NitroAppraiser;
import dev.cloister.attestation.nitro.NitroPolicyFile;
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
   * @param policies appraisal options by family, from {@link #policies}; a family not named is
   *     appraised with its defaults
   * @param requireCrl SEV-SNP verification fails unless a CRL signed by the report's ARK was checked
   */
  public record Config(
      Clock clock, CertificateSource snpCertificates, boolean allowSimulated, List<TrustAnchor> simulatedAnchors, List<X509Certificate> nitroRoots,
      CollateralSource intelCollateral, Map<String, Policy> policies, boolean requireCrl) {
    public Config {
      policies = Map.copyOf(policies);
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
      SnpAppraisalOptions o = policies.get(family) instanceof Policy.Snp(SnpAppraisalOptions p) ? p : SnpAppraisalOptions.defaults();
      return o.toBuilder().allowSimulated(withSimulated && allowSimulated).build();
    }

    /** {@code tdx} or {@code az-tdx-vtpm}: its policy file, else the defaults (no simulated Intel root exists). */
    TdxAppraisalOptions tdxAppraisal(String family) {
      return policies.get(family) instanceof Policy.Tdx(TdxAppraisalOptions p) ? p : TdxAppraisalOptions.defaults();
    }

    SgxAppraisalOptions sgxAppraisal() {
      return policies.get("sgx") instanceof Policy.Sgx(SgxAppraisalOptions p) ? p : SgxAppraisalOptions.defaults();
    }

    NitroAppraiser.Options nitroAppraisal() {
      return policies.get("nitro") instanceof Policy.Nitro(NitroAppraiser.Options p) ? p : NitroAppraiser.Options.defaults();
    }
  }

  /** One family's appraisal options, as its policy file gives them. */
  public sealed interface Policy {
    record Snp(SnpAppraisalOptions options) implements Policy {}

    record Tdx(TdxAppraisalOptions options) implements Policy {}

    record Sgx(SgxAppraisalOptions options) implements Policy {}

    record Nitro(NitroAppraiser.Options options) implements Policy {}
  }

  /** One TEE family: its KBS {@code tee} value and how to build its verifier. */
  private record Registration(String tee, Function<Config, TeeVerifier> verifier) {}

  private static final List<Registration> FAMILIES = List.of(
      new Registration("snp", c -> new SnpTeeVerifier(new SnpVerifier(c.snpVerify(true)), c.snpAppraisal("snp", true))),
      new Registration("az-snp-vtpm", c -> new AzSnpVtpmTeeVerifier(c.snpVerify(false), c.snpAppraisal("az-snp-vtpm", false))),
      new Registration("nitro", c -> new NitroTeeVerifier(c.nitroRoots(), c.clock(), c.nitroAppraisal())),
      new Registration("tdx", c -> DcapTeeVerifier.tdx(c.clock(), c.intelCollateral(), c.tdxAppraisal("tdx"))),
      new Registration("sgx", c -> DcapTeeVerifier.sgx(c.clock(), c.intelCollateral(), c.sgxAppraisal())),
      new Registration("az-tdx-vtpm", c -> new AzTdxVtpmTeeVerifier(c.clock(), c.intelCollateral(), c.tdxAppraisal("az-tdx-vtpm"))));

  private TeeRegistry() {}

  /** Every family this broker can accept: the default set, since every registered family is hardware-rooted. */
  public static Set<String> known() {
    Set<String> out = new TreeSet<>();
    FAMILIES.forEach(r -> out.add(r.tee()));
    return out;
  }

  /**
   * Keys a broker's policy file may not set, by family, and why: what the broker binds to each
   * session (REPORT_DATA, the TPM quote's nonce, Nitro's user data) or what is fresh per attestation.
   */
  private static final Map<String, Map<String, String>> SESSION_BOUND = Map.of(
      "snp", Map.of("report_data", "the broker binds REPORT_DATA to each session; a policy cannot set it"),
      "az-snp-vtpm", Map.of("report_data", "REPORT_DATA holds the HCL runtime claims' digest and the broker binds the session to the TPM quote; a policy cannot set it"),
      "tdx", Map.of("report_data", "the broker binds REPORT_DATA to each session; a policy cannot set it"),
      "sgx", Map.of("report_data", "the broker binds REPORT_DATA to each session; a policy cannot set it"),
      "az-tdx-vtpm", Map.of("report_data", "REPORT_DATA holds the HCL runtime claims' digest and the broker binds the session to the TPM quote; a policy cannot set it"),
      "nitro", Map.of("user_data", "the broker binds user_data to each session; a policy cannot set it",
          "nonce", "the NSM nonce is the application's fresh value; a policy cannot fix it"));

  /**
   * Reads {@code broker serve --policy FAMILY=FILE} files in the format {@code attest verify --policy}
   * reads for that family: {@link SnpPolicyFile} (snp, az-snp-vtpm), {@link TdxPolicyFile} (tdx,
   * az-tdx-vtpm), {@link SgxPolicyFile} (sgx), {@link NitroPolicyFile} (nitro). What the broker binds
   * to each session cannot be set (see {@link #SESSION_BOUND}).
   *
   * @throws IllegalArgumentException naming the family, the file and what is wrong with it
   */
  public static Map<String, Policy> policies(Map<String, Path> files, Set<String> enabled) {
    Map<String, Policy> out = new LinkedHashMap<>();
    for (Map.Entry<String, Path> f : new java.util.TreeMap<>(files).entrySet()) {
      String family = f.getKey();
      String where = "--policy " + family + "=" + f.getValue();
      if (!known().contains(family)) {
        throw new IllegalArgumentException(where + ": unknown TEE family '" + family + "' (known: " + String.join(", ", known()) + ")");
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
        JsonNode root = PolicyJson.read(json);
        SESSION_BOUND.getOrDefault(family, Map.of()).forEach((key, why) -> {
          if (root.has(key)) {
            throw new IllegalArgumentException(key + ": " + why);
          }
        });
        out.put(family, switch (family) {
          case "snp", "az-snp-vtpm" -> new Policy.Snp(SnpPolicyFile.parse(json));
          case "tdx", "az-tdx-vtpm" -> new Policy.Tdx(TdxPolicyFile.parse(root));
          case "sgx" -> new Policy.Sgx(SgxPolicyFile.parse(root));
          case "nitro" -> new Policy.Nitro(NitroPolicyFile.parse(root));
          default -> throw new IllegalStateException("no policy file format registered for " + family);
        });
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage());
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
