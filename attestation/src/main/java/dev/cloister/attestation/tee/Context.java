package dev.cloister.attestation.tee;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.dcap.tcb.CollateralDirectory;
import dev.cloister.attestation.dcap.tcb.CollateralSource;
import dev.cloister.attestation.dcap.tcb.IntelCollateral;
import dev.cloister.attestation.dcap.tcb.PcsClient;
import dev.cloister.attestation.nitro.NitroVerifier;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.verify.TrustAnchor;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a caller injects into a family's evaluation: the clock, the trust roots and where certificates
 * and collateral come from (verification), the parsed policy files and the values the evidence must
 * carry (appraisal). Each family reads what applies to it; a caller refuses options that do not.
 *
 * @param clock every validity check's time
 * @param kdsCache an offline directory laid out like AMD KDS, for SEV-SNP VCEKs and CRLs
 * @param kdsFetch reach AMD KDS for a missing VCEK or CRL
 * @param crls AMD CRLs given explicitly
 * @param requireCrl SEV-SNP verification fails unless a CRL signed by the report's ARK was checked
 * @param product the SEV-SNP product line for reports that do not say it
 * @param vek a VCEK/VLEK replacing the evidence's own
 * @param chain ASK/ASVK and ARK certificates added to the evidence's own
 * @param allowSimulated the appraisal accepts evidence from a simulated platform (SEV-SNP, plain or in az-snp-vtpm, TDX,
 *     Nitro), and the simulated Intel and Nitro roots below are trusted
 * @param simulatedAnchors the simulated SEV-SNP platforms' roots, trusted by SEV-SNP verification, plain or az-snp-vtpm (a caller
 *     passes them only with {@code allowSimulated}; apart, a test can show each refusal on its own)
 * @param simulatedIntel the simulated TDX/SGX platforms' roots and their collateral; a quote chaining to one
 *     verifies only with {@code allowSimulated}, and is refused naming why without it
 * @param simulatedNitroRoots the simulated Nitro platforms' roots, trusted on the same terms
 * @param nitroRoots the Nitro roots trusted (default: AWS's, pinned)
 * @param collateral where TDX and SGX collateral comes from; empty: the TCB status is not evaluated
 * @param policies appraisal options by family name; a family not named is appraised with its defaults
 * @param sessionBinding what the evidence's binding field ({@link TeeFamily#binding}) must hold: a
 *     KBS session's runtime-data digest
 * @param nonce the nonce the evidence must carry (Nitro's document, the vTPM quote's extraData)
 * @param userData Nitro's user data
 * @param pcrs PCR values the evidence must show
 * @param verifyOnly stop after verification: the verdict is whether the evidence is genuine
 */
public record Context(
    Clock clock, Optional<Path> kdsCache, boolean kdsFetch, List<X509CRL> crls, boolean requireCrl, Optional<ProductLine> product,
    Optional<X509Certificate> vek, List<X509Certificate> chain, boolean allowSimulated, List<TrustAnchor> simulatedAnchors,
    List<SimulatedIntel> simulatedIntel, List<X509Certificate> simulatedNitroRoots, List<X509Certificate> nitroRoots, Optional<CollateralSource> collateral, Map<String, TeePolicy> policies, Optional<Octets> sessionBinding,
    Optional<Octets> nonce, Optional<Octets> userData, Map<Integer, Octets> pcrs, boolean verifyOnly) {
  public Context {
    Objects.requireNonNull(clock, "clock");
    crls = List.copyOf(crls);
    chain = List.copyOf(chain);
    simulatedAnchors = List.copyOf(simulatedAnchors);
    simulatedIntel = List.copyOf(simulatedIntel);
    simulatedNitroRoots = List.copyOf(simulatedNitroRoots);
    nitroRoots = List.copyOf(nitroRoots);
    policies = Map.copyOf(policies);
    pcrs = Map.copyOf(pcrs);
    if (nitroRoots.isEmpty()) {
      throw new IllegalArgumentException("nitro: no trusted Nitro root");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A simulated Intel platform's root and where its collateral comes from: a quote chaining to
   * {@code root} is checked against this collateral (signed under the same root), never Intel's.
   */
  public record SimulatedIntel(X509Certificate root, CollateralSource collateral) {
    public SimulatedIntel {
      Objects.requireNonNull(root, "root");
      Objects.requireNonNull(collateral, "collateral");
    }
  }

  /** The simulated Intel platform whose root {@code root} is, if the caller passed one. */
  Optional<SimulatedIntel> simulatedIntelFor(X509Certificate root) {
    return simulatedIntel.stream().filter(s -> s.root().equals(root)).findFirst();
  }

  /** The same context with the evidence bound to {@code binding} (a KBS session's digest). */
  public Context withSessionBinding(byte[] binding) {
    return new Context(clock, kdsCache, kdsFetch, crls, requireCrl, product, vek, chain, allowSimulated, simulatedAnchors, simulatedIntel,
        simulatedNitroRoots, nitroRoots, collateral, policies, Optional.of(Octets.copyOf(binding)), nonce, userData, pcrs, verifyOnly);
  }

  /** {@code family}'s policy, if one was given. */
  Optional<TeePolicy> policy(String family) {
    return Optional.ofNullable(policies.get(family));
  }

  /** The builder; every option defaults to off or empty, the clock to the system's UTC clock. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private Path kdsCache;
    private boolean kdsFetch;
    private final List<X509CRL> crls = new ArrayList<>();
    private boolean requireCrl;
    private ProductLine product;
    private X509Certificate vek;
    private final List<X509Certificate> chain = new ArrayList<>();
    private boolean allowSimulated;
    private final List<TrustAnchor> simulatedAnchors = new ArrayList<>();
    private final List<SimulatedIntel> simulatedIntel = new ArrayList<>();
    private final List<X509Certificate> simulatedNitroRoots = new ArrayList<>();
    private List<X509Certificate> nitroRoots = List.of(NitroVerifier.awsRoot());
    private CollateralSource collateral;
    private final Map<String, TeePolicy> policies = new LinkedHashMap<>();
    private Octets nonce;
    private Octets userData;
    private final Map<Integer, Octets> pcrs = new TreeMap<>();
    private boolean verifyOnly;

    public Builder clock(Clock c) {
      clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    public Builder kdsCache(Path dir) {
      kdsCache = dir;
      return this;
    }

    public Builder kdsFetch(boolean fetch) {
      kdsFetch = fetch;
      return this;
    }

    public Builder crls(List<X509CRL> c) {
      crls.addAll(c);
      return this;
    }

    public Builder requireCrl(boolean require) {
      requireCrl = require;
      return this;
    }

    /** @throws IllegalArgumentException unless Milan, Genoa or Turin */
    public Builder product(String name) {
      product = ProductLine.fromName(name).orElseThrow(() -> new IllegalArgumentException("one of Milan, Genoa, Turin"));
      return this;
    }

    public Builder vek(X509Certificate certificate) {
      vek = certificate;
      return this;
    }

    public Builder chain(List<X509Certificate> certificates) {
      chain.addAll(certificates);
      return this;
    }

    public Builder allowSimulated(boolean allow) {
      allowSimulated = allow;
      return this;
    }

    public Builder simulatedAnchors(List<TrustAnchor> anchors) {
      simulatedAnchors.addAll(anchors);
      return this;
    }

    /** Every root of {@code roots}; trusted only with {@link #allowSimulated}. */
    public Builder simulated(SimulatedRoots roots) {
      simulatedAnchors.addAll(roots.snp());
      simulatedIntel.addAll(roots.intel());
      simulatedNitroRoots.addAll(roots.nitro());
      return this;
    }

    /** A simulated TDX/SGX platform's root and collateral, trusted only with {@link #allowSimulated}. */
    public Builder simulatedIntel(X509Certificate root, CollateralSource collateral) {
      simulatedIntel.add(new SimulatedIntel(root, collateral));
      return this;
    }

    /** Simulated Nitro platforms' roots, trusted only with {@link #allowSimulated}. */
    public Builder simulatedNitroRoots(List<X509Certificate> roots) {
      simulatedNitroRoots.addAll(roots);
      return this;
    }

    public Builder nitroRoots(List<X509Certificate> roots) {
      nitroRoots = List.copyOf(roots);
      return this;
    }

    /** Intel collateral from one file or directory ({@code attest verify --collateral}), read now. */
    public Builder collateralFile(Path fileOrDir) throws IOException, MalformedEvidenceException {
      collateral = CollateralSource.fixed(IntelCollateral.load(fileOrDir));
      return this;
    }

    /** Intel collateral by FMSPC from a directory of PCS responses (a broker's offline store). */
    public Builder collateralDirectory(Path dir) {
      collateral = new CollateralDirectory(dir);
      return this;
    }

    /** Intel collateral fetched from Intel PCS or a PCCS. */
    public Builder intelPcs(URI base) {
      collateral = new PcsClient(base, PcsClient.jdkGetter());
      return this;
    }

    public Builder policies(Map<String, TeePolicy> byFamily) {
      policies.putAll(byFamily);
      return this;
    }

    public Builder nonce(Octets n) {
      nonce = n;
      return this;
    }

    public Builder userData(Octets u) {
      userData = u;
      return this;
    }

    public Builder pcrs(Map<Integer, Octets> p) {
      pcrs.putAll(p);
      return this;
    }

    public Builder verifyOnly(boolean only) {
      verifyOnly = only;
      return this;
    }

    public Context build() {
      return new Context(clock, Optional.ofNullable(kdsCache), kdsFetch, crls, requireCrl, Optional.ofNullable(product), Optional.ofNullable(vek),
          chain, allowSimulated, simulatedAnchors, simulatedIntel, simulatedNitroRoots, nitroRoots, Optional.ofNullable(collateral), policies, Optional.empty(),
          Optional.ofNullable(nonce), Optional.ofNullable(userData), pcrs, verifyOnly);
    }
  }
}
