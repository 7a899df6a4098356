package dev.cloister.cli;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.tee.Context;
import dev.cloister.attestation.tee.Evidence;
import dev.cloister.attestation.tee.TeeFamilies;
import dev.cloister.attestation.tee.TeeFamily;
import dev.cloister.attestation.tee.TeePolicy;
import dev.cloister.attestation.tee.Verdict;
import dev.cloister.enclave.simulated.SimulatedPlatforms;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
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

  @Override
  public Integer call() {
    byte[] bytes = Inputs.read(evidence);
    TeeFamilies.Detected input = resolve(bytes);
    TeeFamily family = input.family();
    requireApplicable(family.name());
    Context context = context(family);
    String formatLabel = family.format();
    boolean accepted;
    TrustTier status;
    String reason;
    List<Check> checks;
    Map<String, Object> claims;
    try {
      Verdict v = family.evaluate(new Evidence.Bytes(input.bytes()), context);
      status = v.status();
      accepted = status == TrustTier.AFFIRMING;
      reason = v.reason().orElse(accepted ? null : "status " + status.label());
      checks = v.checks();
      claims = v.claims();
    } catch (AttestationException e) {
      // Verification either passes whole or throws: the failed check is the verdict's last line.
      accepted = false;
      status = TrustTier.CONTRAINDICATED;
      reason = e.getMessage();
      checks = List.of(Check.fail(e.field(), e.detail()));
      claims = Map.of();
    }
    print(formatLabel, accepted, status, reason, checks, claims);
    return accepted ? ExitCodes.OK : ExitCodes.REJECTED;
  }

  /**
   * The family named or detected, and the bytes its decoder takes; an undetectable input is a usage
   * error. A named format is the format: bytes that look like another family go to its decoder and
   * are rejected there, so whoever writes the evidence cannot turn a rejection into a usage error.
   */
  private TeeFamilies.Detected resolve(byte[] bytes) {
    Optional<TeeFamilies.Detected> detected = TeeFamilies.detect(bytes);
    String names = String.join(", ", TeeFamilies.names());
    if (format == null) {
      return detected.orElseThrow(() -> new UsageException("cannot tell the format of " + evidence + "; tried " + TeeFamilies.TRIED
          + ". Name it with --format (" + names + ")"));
    }
    TeeFamily named = TeeFamilies.named(format).orElseThrow(() -> new UsageException("--format: one of " + names + ", got '" + format + "'"));
    return detected.filter(d -> d.family() == named).orElse(new TeeFamilies.Detected(named, bytes));
  }

  /** Options that mean nothing for this format are refused rather than silently ignored. */
  private void requireApplicable(String f) {
    boolean snp = f.equals("snp");
    boolean vtpm = f.equals("az-snp-vtpm");
    boolean tdxVtpm = f.equals("az-tdx-vtpm");
    boolean nitro = f.equals("nitro");
    boolean intel = f.equals("tdx") || f.equals("sgx");
    applies(snp, "--vcek", vcek != null, "snp");
    applies(snp, "--chain", chain != null, "snp");
    applies(snp, "--kds-cache", kdsCache != null, "snp");
    applies(snp, "--kds-fetch", kdsFetch, "snp");
    applies(snp, "--product", product != null, "snp");
    applies(snp || f.equals("tdx") || nitro, "--allow-simulated", allowSimulated, "snp, tdx, nitro");
    applies(snp || f.equals("tdx") || nitro, "--platform", platformDir != null, "snp, tdx, nitro");
    applies(snp || vtpm, "--crl", !crls.isEmpty(), "snp, az-snp-vtpm");
    applies(snp || vtpm, "--require-crl", requireCrl, "snp, az-snp-vtpm");
    applies(nitro || vtpm || tdxVtpm, "--pcr", !pcrs.isEmpty(), "nitro, az-snp-vtpm, az-tdx-vtpm");
    applies(nitro || vtpm || tdxVtpm, "--nonce", nonce != null, "nitro, az-snp-vtpm, az-tdx-vtpm");
    applies(nitro, "--user-data", userData != null, "nitro");
    applies(intel || tdxVtpm, "--collateral", collateral != null, "tdx, sgx, az-tdx-vtpm");
    if (collateral != null && !Files.exists(collateral)) {
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

  /** What the options say, for the family; anything wrong in them is a usage error naming the option. */
  private Context context(TeeFamily family) {
    Context.Builder b = Context.builder().verifyOnly(verifyOnly).requireCrl(requireCrl).kdsFetch(kdsFetch).kdsCache(kdsCache);
    if (at != null) {
      b.clock(Clock.fixed(Inputs.time(at), ZoneOffset.UTC));
    }
    if (product != null) {
      try {
        b.product(product);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--product: " + e.getMessage());
      }
    }
    b.crls(crls.stream().map(Inputs::crl).toList());
    if (vcek != null) {
      b.vek(Inputs.certificates(vcek).getFirst());
    }
    if (chain != null) {
      b.chain(Inputs.certificates(chain));
    }
    if (allowSimulated) {
      Path dir = platformDir != null ? platformDir : SimulatedPlatformDir.defaultDir();
      try {
        b.simulated(SimulatedPlatforms.rootsIn(dir));
      } catch (Exception e) {
        throw new UsageException("--allow-simulated: no usable simulated platform in " + dir + " (" + e.getMessage() + ")");
      }
      b.allowSimulated(true);
      spec.commandLine().getErr().println("cloister: WARNING: --allow-simulated: evidence from the simulated platform is accepted; it protects nothing");
    }
    if (collateral != null) {
      try {
        b.collateralFile(collateral);
      } catch (IOException e) {
        throw new UsageException("--collateral: cannot read " + collateral + ": " + e.getMessage());
      } catch (AttestationException e) {
        throw new UsageException("--collateral " + collateral + ": " + e.getMessage());
      }
    }
    Optional<TeePolicy> file = Optional.empty();
    if (policy != null) {
      try {
        file = Optional.of(family.policy(Inputs.read(policy)));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--policy " + policy + ": " + e.getMessage());
      }
      b.policies(Map.of(family.name(), file.get()));
    }
    Map<Integer, Octets> pinned = pcrOptions();
    for (Integer i : pinned.keySet()) {
      if (file.isPresent() && file.get().pins().contains("pcrs." + i)) {
        throw new UsageException("--pcr " + i + ": the policy file " + policy + " pins pcrs." + i + " already");
      }
    }
    b.pcrs(pinned);
    b.nonce(either(file, "nonce", nonce, "--nonce").orElse(null));
    b.userData(either(file, "user_data", userData, "--user-data").orElse(null));
    return b.build();
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
    Map<Integer, Octets> out = new TreeMap<>();
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

  /** A value the policy file or an option may pin, but not both; the file's own value is applied by the family. */
  private Optional<Octets> either(Optional<TeePolicy> file, String key, String option, String name) {
    if (option != null && file.isPresent() && file.get().pins().contains(key)) {
      throw new UsageException(name + ": the policy file " + policy + " sets " + key + " already");
    }
    return hexOption(option, name);
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
