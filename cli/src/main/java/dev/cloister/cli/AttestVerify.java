package dev.cloister.cli;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.appraise.SnpAppraisalOptions;
import dev.cloister.attestation.snp.appraise.SnpAppraiser;
import dev.cloister.attestation.snp.appraise.SnpClaims;
import dev.cloister.attestation.snp.appraise.SnpPolicyFile;
import dev.cloister.attestation.snp.evidence.SnpEvidenceCodec;
import dev.cloister.attestation.snp.verify.CertificateSource;
import dev.cloister.attestation.snp.verify.KdsCache;
import dev.cloister.attestation.snp.verify.KdsClient;
import dev.cloister.attestation.snp.verify.SnpEvidence;
import dev.cloister.attestation.snp.verify.SnpVerifier;
import dev.cloister.attestation.snp.verify.VerifiedSnpReport;
import dev.cloister.attestation.snp.verify.VerifyOptions;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Verify SEV-SNP evidence (a raw 1184-byte report, or Trustee's SNP evidence JSON) and appraise it.",
      "Verification: report signature, VCEK/VLEK chain to AMD's embedded roots, validity at --at, CRLs, certificate-to-report binding.",
      "Appraisal: the policy (--policy; default: no debug guests, no simulated platform)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:accepted", "1:rejected (any failed check, malformed evidence included)", "2:usage error"})
final class AttestVerify implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "EVIDENCE", description = "Raw report or Trustee SNP evidence JSON.")
  Path evidence;

  @Option(names = "--vcek", paramLabel = "FILE", description = "VCEK or VLEK certificate (DER or PEM).")
  Path vcek;

  @Option(names = "--chain", paramLabel = "FILE", description = "ASK/ASVK and ARK (PEM); the ARK must be a trusted root.")
  Path chain;

  @Option(names = "--kds-cache", paramLabel = "DIR", description = "Offline directory laid out like AMD KDS (vcek/v1/<product>/...).")
  Path kdsCache;

  @Option(names = "--kds-fetch", description = "Fetch a missing VCEK and CRL from AMD KDS (network; off by default).")
  boolean kdsFetch;

  @Option(names = "--crl", paramLabel = "FILE", description = "CRL signed by the product's ARK (repeatable).")
  List<Path> crls = new ArrayList<>();

  @Option(names = "--require-crl", description = "Reject unless a CRL from the root was checked.")
  boolean requireCrl;

  @Option(names = "--product", paramLabel = "NAME", description = "Milan, Genoa or Turin (needed only for v2 reports without a VCEK).")
  String product;

  @Option(names = "--at", paramLabel = "TIME", description = "Verify as of TIME (ISO-8601 or epoch seconds); default now.")
  String at;

  @Option(names = "--policy", paramLabel = "FILE", description = "Appraisal policy (JSON): options and an optional CEL rule.")
  Path policy;

  @Option(names = "--verify-only", description = "Only decide whether the evidence is genuine; skip appraisal.")
  boolean verifyOnly;

  @Option(names = "--allow-simulated", description = "Trust the simulated platform's root and accept its evidence (never for real data).")
  boolean allowSimulated;

  @Option(names = "--platform", paramLabel = "DIR", description = "Simulated platform directory for --allow-simulated (default: $CLOISTER_HOME/simulated-platform).")
  Path platformDir;

  @Option(names = "--json", description = "Print the verdict as JSON.")
  boolean json;

  @Override
  public Integer call() {
    byte[] bytes = Inputs.read(evidence);
    VerifyOptions options = verifyOptions();
    SnpAppraisalOptions appraisal = appraisalOptions();
    List<Check> checks = new ArrayList<>();
    Map<String, Object> claims = Map.of();
    String reason = null;
    TrustTier status;
    try {
      SnpEvidence ev = SnpEvidenceCodec.decode(bytes);
      Optional<X509Certificate> vek = vcek != null ? Optional.of(Inputs.certificates(vcek).getFirst()) : ev.vek();
      List<X509Certificate> supplied = new ArrayList<>(ev.chain());
      if (chain != null) {
        supplied.addAll(Inputs.certificates(chain));
      }
      VerifiedSnpReport verified = SnpVerifier.verify(new SnpEvidence(ev.report(), vek, supplied), options);
      checks.addAll(verificationChecks(verified, options));
      if (verifyOnly) {
        claims = SnpClaims.of(verified);
        status = TrustTier.AFFIRMING;
      } else {
        AttestationResult result = SnpAppraiser.appraise(verified, appraisal);
        checks.addAll(result.checks());
        claims = result.claims();
        status = result.status();
        reason = result.firstFailure().map(c -> c.name() + ": " + c.detail()).orElse(null);
      }
    } catch (AttestationException e) {
      checks.add(Check.fail(e.field(), e.detail()));
      status = TrustTier.CONTRAINDICATED;
      reason = e.getMessage();
    }
    boolean accepted = status == TrustTier.AFFIRMING;
    if (!accepted && reason == null) {
      reason = "status " + status.label();
    }
    print(accepted, status, reason, checks, claims);
    return accepted ? ExitCodes.OK : ExitCodes.REJECTED;
  }

  private VerifyOptions verifyOptions() {
    VerifyOptions.Builder b = VerifyOptions.builder();
    if (at != null) {
      b.clock(Clock.fixed(Inputs.time(at), ZoneOffset.UTC));
    }
    if (product != null) {
      b.product(ProductLine.fromName(product).orElseThrow(() -> new UsageException("--product: one of Milan, Genoa, Turin")));
    }
    b.crls(crls.stream().map(Inputs::crl).toList());
    b.requireRevocationCheck(requireCrl);
    CertificateSource source = CertificateSource.none();
    if (kdsCache != null) {
      source = new KdsCache(kdsCache);
    }
    if (kdsFetch) {
      source = source.orElse(new KdsClient(KdsClient.AMD_KDS, KdsClient.jdkGetter(), Optional.ofNullable(kdsCache).map(KdsCache::new)));
    }
    b.certificates(source);
    if (allowSimulated) {
      Path dir = platformDir != null ? platformDir : SimulatedPlatformDir.defaultDir();
      try {
        b.addTrustAnchor(SimulatedSnpPlatform.trustAnchorIn(dir));
      } catch (Exception e) {
        throw new UsageException("--allow-simulated: no usable simulated platform in " + dir + " (" + e.getMessage() + ")");
      }
      spec.commandLine().getErr().println("cloister: WARNING: --allow-simulated: evidence from the simulated platform is accepted; it protects nothing");
    }
    return b.build();
  }

  private SnpAppraisalOptions appraisalOptions() {
    SnpAppraisalOptions base;
    if (policy != null) {
      try {
        base = SnpPolicyFile.parse(Inputs.read(policy));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--policy " + policy + ": " + e.getMessage());
      }
    } else {
      base = SnpAppraisalOptions.defaults();
    }
    return allowSimulated ? base.toBuilder().allowSimulated(true).build() : base;
  }

  /** Verification either passes whole or throws; on success these are the checks it made. */
  private static List<Check> verificationChecks(VerifiedSnpReport v, VerifyOptions options) {
    List<Check> out = new ArrayList<>();
    out.add(Check.pass("signature", "ECDSA P-384 report signature verifies with the " + v.report().signingKey().name()));
    out.add(Check.pass("chain", v.report().signingKey().name() + " chains to trust anchor '" + v.anchor().name() + "'"));
    out.add(Check.pass("validity", "every certificate valid at " + v.verifiedAt()));
    boolean crl = !options.crls().isEmpty() || options.requireRevocationCheck();
    out.add(crl
        ? Check.pass("revocation", "not revoked by the supplied CRLs")
        : new Check("revocation", TrustTier.NONE, "no CRL supplied; revocation not checked"));
    out.add(Check.pass("binding", "certificate product, TCB and chip ID match the report"));
    return out;
  }

  private void print(boolean accepted, TrustTier status, String reason, List<Check> checks, Map<String, Object> claims) {
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("verdict", accepted ? "accepted" : "rejected");
      m.put("format", "sev-snp");
      m.put("status", status.label());
      m.put("reason", reason);
      List<Map<String, Object>> cs = new ArrayList<>();
      for (Check c : checks) {
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("name", c.name());
        cm.put("outcome", c.outcome().label());
        cm.put("detail", c.detail());
        cs.add(cm);
      }
      m.put("checks", cs);
      m.put("claims", claims);
      Output.json(out, m);
      return;
    }
    out.println((accepted ? "ACCEPTED" : "REJECTED") + "  sev-snp  status " + status.label() + (reason == null ? "" : "  (" + reason + ")"));
    out.println();
    Output.table(out, List.of("CHECK", "OUTCOME", "DETAIL"),
        checks.stream().map(c -> List.of(c.name(), c.outcome().label(), c.detail())).toList());
    if (!claims.isEmpty()) {
      out.println();
      Map<String, Object> summary = new LinkedHashMap<>();
      for (String k : List.of("platform", "product", "measurement", "host_data", "report_data", "vmpl", "chip_id")) {
        if (claims.containsKey(k)) {
          summary.put(k, claims.get(k));
        }
      }
      Output.keyValues(out, summary);
      out.println("(all claims: --json)");
    }
  }
}
