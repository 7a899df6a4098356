package dev.cloister.cli;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.azure.AzureVtpmAppraiser;
import dev.cloister.attestation.azure.AzureVtpmEvidence;
import dev.cloister.attestation.azure.AzureVtpmVerifier;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.DcapVerifier;
import dev.cloister.attestation.dcap.VerifiedDcapQuote;
import dev.cloister.attestation.dcap.evidence.SgxEvidence;
import dev.cloister.attestation.dcap.evidence.TdxEvidence;
import dev.cloister.attestation.dcap.appraise.DcapAppraiser;
import dev.cloister.attestation.dcap.appraise.SgxAppraisalOptions;
import dev.cloister.attestation.dcap.appraise.SgxPolicyFile;
import dev.cloister.attestation.dcap.appraise.TcbPolicy;
import dev.cloister.attestation.dcap.appraise.TdxAppraisalOptions;
import dev.cloister.attestation.dcap.appraise.TdxPolicyFile;
import dev.cloister.attestation.dcap.ccel.CcelEventLog;
import dev.cloister.attestation.azure.AzureTdxVtpmAppraiser;
import dev.cloister.attestation.azure.AzureTdxVtpmEvidence;
import dev.cloister.attestation.azure.AzureTdxVtpmVerifier;
import dev.cloister.attestation.dcap.tcb.CollateralSource;
import dev.cloister.attestation.dcap.tcb.CollateralVerifier;
import dev.cloister.attestation.dcap.tcb.TcbVerdict;
import dev.cloister.attestation.json.PolicyJson;
import dev.cloister.attestation.nitro.NitroAppraiser;
import dev.cloister.attestation.nitro.NitroPolicyFile;
import dev.cloister.attestation.nitro.NitroVerifier;
import dev.cloister.attestation.nitro.VerifiedNitroDocument;
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
      "Verify TEE evidence and appraise it. Formats (--format, detected from the bytes when omitted):",
      "  snp: a raw 1184-byte SEV-SNP report or Trustee's SNP evidence JSON. Report signature, VCEK/VLEK chain to AMD's "
          + "embedded roots, validity at --at, CRLs, certificate-to-report binding; appraised by --policy (default: no debug "
          + "guests, no simulated platform).",
      "  az-snp-vtpm: Trustee's Azure SNP vTPM evidence JSON. The embedded SNP report as above, the HCL runtime claims bound "
          + "to it, the TPM quote signed by the attested key, the PCR digest; --policy applies to the SNP report (VMPL 0 always), "
          + "--nonce to the TPM quote, --pcr to the PCRs.",
      "  nitro: an AWS Nitro Enclaves attestation document (COSE_Sign1, binary, hex or base64). Chain to the pinned AWS root, "
          + "validity, COSE signature; debug enclaves refused; --pcr, --nonce, --user-data pinned; --policy (NitroPolicyFile: "
          + "allow_debug, pcrs, nonce, user_data, public_key).",
      "  tdx, sgx: an Intel DCAP quote (binary, hex, base64, or Trustee's TDX/SGX evidence JSON). PCK chain to the pinned Intel "
          + "root, QE report, quote signature; with --collateral (dcap-qvl JSON or a directory of PCS files) Intel's TCB status "
          + "and advisories; without it the verdict says the TCB status is unknown (with --policy, refused unless the file sets "
          + "require_collateral false). --policy: TdxPolicyFile or SgxPolicyFile (TCB statuses, minimum_tcb_date, measurements...).",
      "  az-tdx-vtpm: Trustee's Azure TDX vTPM evidence JSON. The TD quote as for tdx (--collateral, --policy without report_data), "
          + "the HCL runtime claims bound to it, the TPM quote signed by the attested key, the PCR digest; --nonce and --pcr as for "
          + "az-snp-vtpm.",
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:accepted", "1:rejected (any failed check, malformed evidence included)", "2:usage error"})
final class AttestVerify implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "EVIDENCE", description = "The evidence file (see the formats above).")
  Path evidence;

  @Option(names = "--format", paramLabel = "FORMAT", description = "snp, tdx, sgx, nitro, az-snp-vtpm or az-tdx-vtpm (default: detected from the bytes).")
  String format;

  @Option(names = "--pcr", paramLabel = "N=HEX", description = "nitro, az-snp-vtpm, az-tdx-vtpm: PCR N must equal HEX (repeatable).")
  List<String> pcrs = new ArrayList<>();

  @Option(names = "--nonce", paramLabel = "HEX", description = "nitro: the document's nonce; az-snp-vtpm, az-tdx-vtpm: the TPM quote's nonce (extraData).")
  String nonce;

  @Option(names = "--user-data", paramLabel = "HEX", description = "nitro: the document's user data.")
  String userData;

  @Option(names = "--collateral", paramLabel = "FILE|DIR", description = "tdx, sgx, az-tdx-vtpm: Intel collateral (TCB info, QE identity, CRLs) for the TCB status.")
  Path collateral;

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

  @Option(names = "--policy", paramLabel = "FILE", description = "Appraisal policy (JSON) in the format of the evidence's family: snp and "
      + "az-snp-vtpm SnpPolicyFile (options and an optional CEL rule), tdx and az-tdx-vtpm TdxPolicyFile, sgx SgxPolicyFile, nitro NitroPolicyFile.")
  Path policy;

  @Option(names = "--verify-only", description = "Only decide whether the evidence is genuine; skip appraisal.")
  boolean verifyOnly;

  @Option(names = "--allow-simulated", description = "Trust the simulated platform's root and accept its evidence (never for real data).")
  boolean allowSimulated;

  @Option(names = "--platform", paramLabel = "DIR", description = "Simulated platform directory for --allow-simulated (default: $CLOISTER_HOME/simulated-platform).")
  Path platformDir;

  @Option(names = "--json", description = "Print the verdict as JSON.")
  boolean json;

  /** What one family's verification and appraisal came to: the same shape for every family. */
  private record Verdict(String format, TrustTier status, String reason, List<Check> checks, Map<String, Object> claims) {}

  /** One family's run; verification either passes whole or throws. */
  @FunctionalInterface
  private interface Run {
    Verdict run(List<Check> checks) throws AttestationException;
  }

  @Override
  public Integer call() {
    byte[] bytes = Inputs.read(evidence);
    EvidenceFormat.Detected input = resolve(bytes);
    requireApplicable(input.format());
    Verdict v = switch (input.format()) {
      case SNP -> guarded("sev-snp", checks -> snp(input.bytes(), checks));
      case AZ_SNP_VTPM -> guarded(AzureVtpmAppraiser.FORMAT, checks -> azure(input.bytes(), checks));
      case NITRO -> guarded(NitroAppraiser.FORMAT, checks -> nitro(input.bytes(), checks));
      case TDX, SGX -> guarded(input.format().label(), checks -> intel(input.format(), input.bytes(), checks));
      case AZ_TDX_VTPM -> guarded(AzureTdxVtpmAppraiser.FORMAT, checks -> azureTdx(input.bytes(), checks));
    };
    boolean accepted = v.status() == TrustTier.AFFIRMING;
    String reason = !accepted && v.reason() == null ? "status " + v.status().label() : v.reason();
    print(v.format(), accepted, v.status(), reason, v.checks(), v.claims());
    return accepted ? ExitCodes.OK : ExitCodes.REJECTED;
  }

  /**
   * The format named or detected, and the bytes its decoder takes; an undetectable input is a usage
   * error. A named format is the format: bytes that look like another family go to its decoder and
   * are rejected there, so whoever writes the evidence cannot turn a rejection into a usage error.
   */
  private EvidenceFormat.Detected resolve(byte[] bytes) {
    Optional<EvidenceFormat.Detected> detected = EvidenceFormat.detect(bytes);
    if (format == null) {
      return detected.orElseThrow(() -> new UsageException("cannot tell the format of " + evidence + "; tried " + EvidenceFormat.TRIED
          + ". Name it with --format (" + EvidenceFormat.NAMES + ")"));
    }
    EvidenceFormat named = EvidenceFormat.named(format);
    return detected.filter(d -> d.format() == named).orElse(new EvidenceFormat.Detected(named, bytes));
  }

  /** Options that mean nothing for this format are refused rather than silently ignored. */
  private void requireApplicable(EvidenceFormat f) {
    boolean snp = f == EvidenceFormat.SNP;
    boolean vtpm = f == EvidenceFormat.AZ_SNP_VTPM;
    boolean tdxVtpm = f == EvidenceFormat.AZ_TDX_VTPM;
    boolean nitro = f == EvidenceFormat.NITRO;
    boolean intel = f == EvidenceFormat.TDX || f == EvidenceFormat.SGX;
    applies(snp, "--vcek", vcek != null, "snp");
    applies(snp, "--chain", chain != null, "snp");
    applies(snp, "--kds-cache", kdsCache != null, "snp");
    applies(snp, "--kds-fetch", kdsFetch, "snp");
    applies(snp, "--product", product != null, "snp");
    applies(snp, "--allow-simulated", allowSimulated, "snp");
    applies(snp, "--platform", platformDir != null, "snp");
    applies(snp || vtpm, "--crl", !crls.isEmpty(), "snp, az-snp-vtpm");
    applies(snp || vtpm, "--require-crl", requireCrl, "snp, az-snp-vtpm");
    applies(nitro || vtpm || tdxVtpm, "--pcr", !pcrs.isEmpty(), "nitro, az-snp-vtpm, az-tdx-vtpm");
    applies(nitro || vtpm || tdxVtpm, "--nonce", nonce != null, "nitro, az-snp-vtpm, az-tdx-vtpm");
    applies(nitro, "--user-data", userData != null, "nitro");
    applies(intel || tdxVtpm, "--collateral", collateral != null, "tdx, sgx, az-tdx-vtpm");
    if (collateral != null && !java.nio.file.Files.exists(collateral)) {
      throw new UsageException("--collateral: cannot read " + collateral + ": no such file or directory");
    }
    if (verifyOnly && (!pcrs.isEmpty() || nonce != null || userData != null || policy != null || collateral != null)) {
      throw new UsageException("--verify-only skips appraisal; --policy, --pcr, --nonce, --user-data and --collateral need it");
    }
  }

  private void applies(boolean applicable, String option, boolean given, String formats) {
    if (given && !applicable) {
      throw new UsageException(option + " applies to " + formats + " evidence only; " + evidence + " is "
          + (format != null ? format : "another format"));
    }
  }

  private Verdict guarded(String formatLabel, Run run) {
    List<Check> checks = new ArrayList<>();
    try {
      return run.run(checks);
    } catch (AttestationException e) {
      checks.add(Check.fail(e.field(), e.detail()));
      return new Verdict(formatLabel, TrustTier.CONTRAINDICATED, e.getMessage(), checks, Map.of());
    }
  }

  private Verdict snp(byte[] bytes, List<Check> checks) throws AttestationException {
    VerifyOptions options = verifyOptions();
    SnpAppraisalOptions appraisal = appraisalOptions();
    SnpEvidence ev = SnpEvidenceCodec.decode(bytes);
    Optional<X509Certificate> vek = vcek != null ? Optional.of(Inputs.certificates(vcek).getFirst()) : ev.vek();
    List<X509Certificate> supplied = new ArrayList<>(ev.chain());
    if (chain != null) {
      supplied.addAll(Inputs.certificates(chain));
    }
    VerifiedSnpReport verified = SnpVerifier.verify(new SnpEvidence(ev.report(), vek, supplied), options);
    checks.addAll(verified.checks());
    if (verifyOnly) {
      return new Verdict("sev-snp", TrustTier.AFFIRMING, null, checks, SnpClaims.of(verified));
    }
    return appraised("sev-snp", SnpAppraiser.appraise(verified, appraisal), checks);
  }

  private Verdict azure(byte[] bytes, List<Check> checks) throws AttestationException {
    VerifyOptions options = verifyOptions();
    // Azure's HCL runs in VMPL 0 and requests the report there (as Trustee's az-snp-vtpm verifier requires).
    SnpAppraisalOptions snp = appraisalOptions().toBuilder().vmpl(0).build();
    AzureVtpmVerifier.Verified v = AzureVtpmVerifier.verify(AzureVtpmEvidence.decode(bytes), options);
    checks.addAll(v.checks());
    AttestationResult result = AzureVtpmAppraiser.appraise(v, new AzureVtpmAppraiser.Options(snp, hexOption(nonce, "--nonce"), pcrOptions()));
    if (verifyOnly) {
      return new Verdict(AzureVtpmAppraiser.FORMAT, TrustTier.AFFIRMING, null, checks, result.claims());
    }
    return appraised(AzureVtpmAppraiser.FORMAT, result, checks);
  }

  private Verdict nitro(byte[] bytes, List<Check> checks) throws AttestationException {
    Clock clock = clock();
    NitroVerifier.Verified verified = NitroVerifier.verifyReporting(bytes, clock);
    VerifiedNitroDocument d = verified.document();
    checks.addAll(verified.checks());
    if (verifyOnly) {
      return new Verdict(NitroAppraiser.FORMAT, TrustTier.AFFIRMING, null, checks, NitroAppraiser.claims(d));
    }
    NitroAppraiser.Options file = policy != null ? policyFile(NitroPolicyFile::parse) : NitroAppraiser.Options.defaults();
    Map<Integer, Octets> pinned = new java.util.TreeMap<>(file.pcrs());
    pcrOptions().forEach((i, v) -> {
      if (pinned.put(i, v) != null) {
        throw new UsageException("--pcr " + i + ": the policy file " + policy + " pins pcrs." + i + " already");
      }
    });
    var o = new NitroAppraiser.Options(file.allowDebug(), pinned, either(file.nonce(), "nonce", nonce, "--nonce"),
        either(file.userData(), "user_data", userData, "--user-data"), file.publicKey(), false, file.cel());
    return appraised(NitroAppraiser.FORMAT, NitroAppraiser.appraise(d, o), checks);
  }

  private Verdict azureTdx(byte[] bytes, List<Check> checks) throws AttestationException {
    Clock clock = clock();
    AzureTdxVtpmVerifier.Options options = AzureTdxVtpmVerifier.Options.at(clock);
    if (collateral != null) {
      options = options.withCollateral(CollateralSource.fixed(loadCollateral()));
    }
    AzureTdxVtpmVerifier.Verified v = AzureTdxVtpmVerifier.verify(AzureTdxVtpmEvidence.decode(bytes), options);
    checks.addAll(v.checks());
    TdxAppraisalOptions tdx = tdxOptions(true);
    AttestationResult result = AzureTdxVtpmAppraiser.appraise(v, new AzureTdxVtpmAppraiser.Options(tdx, hexOption(nonce, "--nonce"), pcrOptions()));
    if (verifyOnly) {
      return new Verdict(AzureTdxVtpmAppraiser.FORMAT, TrustTier.AFFIRMING, null, checks, result.claims());
    }
    checks.addAll(result.checks());
    return new Verdict(AzureTdxVtpmAppraiser.FORMAT, result.status(), reason(result), checks, result.claims());
  }

  private dev.cloister.attestation.dcap.tcb.IntelCollateral loadCollateral() throws AttestationException {
    try {
      return dev.cloister.attestation.dcap.tcb.IntelCollateral.load(collateral);
    } catch (java.io.IOException e) {
      throw new UsageException("--collateral: cannot read " + collateral + ": " + e.getMessage());
    }
  }

  private Verdict intel(EvidenceFormat f, byte[] bytes, List<Check> checks) throws AttestationException {
    Clock clock = clock();
    byte[] quote = bytes;
    Optional<byte[]> eventLog = Optional.empty();
    if (bytes.length > 0 && bytes[0] == '{') {
      if (f == EvidenceFormat.TDX) {
        TdxEvidence ev = TdxEvidence.decode(bytes);
        quote = ev.quote();
        eventLog = ev.ccEventlog();
      } else {
        quote = SgxEvidence.decode(bytes).quote();
      }
    }
    DcapVerifier.Verified verified = DcapVerifier.verifyReporting(quote, clock);
    VerifiedDcapQuote v = verified.quote();
    DcapQuote q = v.quote();
    if (q.tdx() != (f == EvidenceFormat.TDX)) {
      throw new MalformedEvidenceException("quote.tee_type", "a " + (q.tdx() ? "TDX" : "SGX") + " quote, not " + f.label());
    }
    checks.addAll(verified.checks());
    Optional<TcbVerdict> tcb = Optional.empty();
    if (collateral != null) {
      CollateralVerifier cv = CollateralVerifier.intel(clock);
      tcb = Optional.of(cv.verify(q, loadCollateral()));
      checks.addAll(cv.checks(q, tcb.get()));
    }
    AttestationResult result;
    if (f == EvidenceFormat.TDX) {
      TdxAppraisalOptions.Builder o = tdxOptions(false).toBuilder();
      if (eventLog.isPresent()) {
        o.eventLog(CcelEventLog.parse(eventLog.get()));
      }
      result = DcapAppraiser.appraise(v, tcb, o.build());
    } else {
      SgxAppraisalOptions o = policy != null ? policyFile(SgxPolicyFile::parse) : SgxAppraisalOptions.builder().tcb(lenientTcb()).build();
      result = DcapAppraiser.appraise(v, tcb, o);
    }
    // tcb_status and advisory_ids are always shown for Intel, null and empty when not evaluated.
    Map<String, Object> claims = new java.util.LinkedHashMap<>(result.claims());
    claims.putIfAbsent("tcb_status", null);
    claims.putIfAbsent("advisory_ids", List.of());
    if (verifyOnly) {
      return new Verdict(f.label(), TrustTier.AFFIRMING, null, checks, claims);
    }
    checks.addAll(result.checks());
    return new Verdict(f.label(), result.status(), reason(result), checks, claims);
  }

  /** Why a result is not affirming: its first failure, else its first warning. */
  private static String reason(AttestationResult result) {
    return result.checks().stream().filter(c -> c.outcome() != TrustTier.AFFIRMING && c.outcome() != TrustTier.NONE)
        .filter(c -> c.outcome() == result.status()).findFirst().map(c -> c.name() + ": " + c.detail()).orElse(null);
  }

  private static Verdict appraised(String formatLabel, AttestationResult result, List<Check> checks) {
    checks.addAll(result.checks());
    return new Verdict(formatLabel, result.status(), reason(result), checks, result.claims());
  }

  private Clock clock() {
    return at != null ? Clock.fixed(Inputs.time(at), ZoneOffset.UTC) : Clock.systemUTC();
  }

  private static Optional<Octets> hexOption(String value, String option) {
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Octets.fromHex(value));
    } catch (IllegalArgumentException e) {
      throw new UsageException(option + ": " + e.getMessage());
    }
  }

  private Map<Integer, Octets> pcrOptions() {
    Map<Integer, Octets> out = new java.util.TreeMap<>();
    for (String p : pcrs) {
      int eq = p.indexOf('=');
      int index;
      try {
        index = Integer.parseInt(p.substring(0, Math.max(eq, 0)));
      } catch (NumberFormatException e) {
        index = -1;
      }
      if (eq < 0 || index < 0 || index > 31) {
        throw new UsageException("--pcr: expected N=HEX with N in 0..31, got '" + p + "'");
      }
      Octets v = hexOption(p.substring(eq + 1), "--pcr " + index).orElseThrow();
      if (v.length() != 32 && v.length() != 48 && v.length() != 64) {
        throw new UsageException("--pcr " + index + ": a PCR value is 32, 48 or 64 bytes, got " + v.length());
      }
      if (out.put(index, v) != null) {
        throw new UsageException("--pcr " + index + " given twice");
      }
    }
    return out;
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

  /**
   * Without a policy file the TCB status is unknown without collateral: a warning here (the person
   * asked to look), never affirming. A policy file's TCB policy is the operator's and stands as written.
   */
  private TcbPolicy lenientTcb() {
    return TcbPolicy.builder().requireCollateral(collateral != null).build();
  }

  /** TDX options: the policy file's, else the defaults with {@link #lenientTcb}. */
  private TdxAppraisalOptions tdxOptions(boolean azure) {
    if (policy == null) {
      return TdxAppraisalOptions.builder().tcb(lenientTcb()).build();
    }
    return policyFile(json -> {
      var root = PolicyJson.read(json);
      if (azure && root.has("report_data")) {
        // Azure's TD REPORT_DATA is the HCL runtime claims' digest, which verification already binds.
        throw new IllegalArgumentException("report_data: az-tdx-vtpm's TD REPORT_DATA is the HCL runtime claims' digest, checked in verification");
      }
      return TdxPolicyFile.parse(root);
    });
  }

  /** The policy file read by {@code parse}; anything wrong in it is a usage error naming the file. */
  private <T> T policyFile(java.util.function.Function<byte[], T> parse) {
    try {
      return parse.apply(Inputs.read(policy));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--policy " + policy + ": " + e.getMessage());
    }
  }

  /** A value the policy file or an option may pin, but not both. */
  private Optional<Octets> either(Optional<Octets> fromFile, String key, String option, String name) {
    if (fromFile.isPresent() && option != null) {
      throw new UsageException(name + ": the policy file " + policy + " sets " + key + " already");
    }
    return fromFile.isPresent() ? fromFile : hexOption(option, name);
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

  private void print(String formatLabel, boolean accepted, TrustTier status, String reason, List<Check> checks, Map<String, Object> claims) {
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("verdict", accepted ? "accepted" : "rejected");
      m.put("format", formatLabel);
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
    out.println((accepted ? "ACCEPTED" : "REJECTED") + "  " + formatLabel + "  status " + status.label() + (reason == null ? "" : "  (" + reason + ")"));
    out.println();
    Output.table(out, List.of("CHECK", "OUTCOME", "DETAIL"),
        checks.stream().map(c -> List.of(c.name(), c.outcome().label(), c.detail())).toList());
    if (!claims.isEmpty()) {
      out.println();
      Map<String, Object> summary = new LinkedHashMap<>();
      for (String k : List.of("platform", "tee", "product", "measurement", "host_data", "report_data", "vmpl", "chip_id", "module_id",
          "mr_td", "mr_enclave", "mr_signer", "tcb_status", "advisory_ids", "user_data", "nonce", "tpm_nonce", "pcrs")) {
        if (claims.containsKey(k)) {
          summary.put(k, claims.get(k) == null ? "not evaluated" : claims.get(k));
        }
      }
      Output.keyValues(out, summary);
      out.println("(all claims: --json)");
    }
  }
}
