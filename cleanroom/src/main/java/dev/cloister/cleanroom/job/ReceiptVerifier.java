package dev.cloister.cleanroom.job;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.tee.Context;
import dev.cloister.attestation.tee.Evidence;
import dev.cloister.attestation.tee.TeeFamilies;
import dev.cloister.attestation.tee.TeeFamily;
import dev.cloister.attestation.tee.Verdict;
import dev.cloister.cleanroom.contract.Contract;
import dev.cloister.cleanroom.contract.ContractException;
import dev.cloister.cleanroom.contract.SignedContract;
import dev.cloister.cleanroom.dataset.DatasetCipher;
import dev.cloister.enclave.ContractBinding;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks a job's receipt, in this order: the evidence is genuine (verified: signature, chain to a
 * trust anchor, validity, certificate binding); it passes the appraisal policy (the default refuses
 * the simulated platform unless the caller allows it); its REPORT_DATA is the receipt's, its
 * HOST_DATA the contract's digest and its MEASUREMENT the receipt's; and the receipt names this
 * contract, its workload measurement, its dataset owners and recipients, and, for each output file
 * given, that file's digest. Verification failing stops there; after it every check runs and the
 * first failure is the reason.
 */
public final class ReceiptVerifier {
  private ReceiptVerifier() {}

  /**
   * Where each family's verified claims show what the receipt binds (see {@link ReleasePolicy}):
   * the receipt's digest, the contract and the workload measurement.
   */
  private record Bindings(String reportData, Function<Octets, Octets> contract, String contractClaim, String measurement) {}

  private static final Map<String, Bindings> BINDINGS = Map.of(
      "snp", new Bindings("report_data", d -> d, "host_data", "measurement"),
      "tdx", new Bindings("report_data", ContractBinding::mrConfigId, "mr_config_id", "mr_td"),
      "nitro", new Bindings("user_data", ContractBinding::nitroPcr, "pcrs." + ContractBinding.NITRO_PCR, "pcrs.0"));

  /**
   * @param context trust anchors, clock, CRLs and the SEV-SNP policy for the evidence; its report
   *     data, host data and measurement are compared with the receipt's and the contract's here
   */
  public record Options(Context context) {}

  /**
   * @param receiptFile the bytes of {@code receipt.json}
   * @param contract the signed contract the job was to run
   * @param outputs sealed output files to check, by recipient (may be empty: then none is checked)
   */
  public static ReceiptVerdict verify(byte[] receiptFile, SignedContract contract, Map<String, Path> outputs, Options options) {
    List<Check> checks = new ArrayList<>();
    try {
      contract.verify();
    } catch (ContractException e) {
      return rejected(checks, e.field(), e.getMessage().substring(e.field().length() + 2));
    }
    checks.add(Check.pass("contract", "every party's signature on the contract verifies"));
    Contract c = contract.contract();
    Receipt.Attested file;
    Verdict verdict;
    Bindings bindings;
    try {
      file = Receipt.Attested.parse(receiptFile);
      bindings = BINDINGS.get(file.tee());
      if (bindings == null) {
        return rejected(checks, "receipt_file.tee", "'" + file.tee() + "' is not a family a job receipt binds (snp, tdx, nitro)");
      }
      // Every family through the TEE registry, as the brokers evaluated the job's evidence.
      TeeFamily family = TeeFamilies.named(file.tee()).orElseThrow();
      verdict = family.evaluate(new Evidence.Json(file.evidence()), options.context());
    } catch (AttestationException e) {
      return rejected(checks, e.field(), e.detail());
    }
    checks.addAll(verdict.checks());

    Receipt r = file.receipt();
    Map<String, Object> evidence = verdict.claims();
    // The bindings: the hardware signed these bytes, so they tie the receipt, the contract and the workload to this TEE.
    checks.add(Check.matches(bindings.reportData(), claim(evidence, bindings.reportData()), Octets.copyOf(r.reportData())));
    checks.add(Check.matches(bindings.contractClaim(), claim(evidence, bindings.contractClaim()), bindings.contract().apply(Octets.copyOf(c.digest()))));
    checks.add(hex(bindings.measurement(), claim(evidence, bindings.measurement()), r.measurement()));

    // What the receipt says, against the contract.
    checks.add(Check.of(r.contractDigest().equals(c.digestHex()), "contract_digest",
        r.contractDigest().equals(c.digestHex()) ? "the receipt names this contract" : "the receipt names contract " + r.contractDigest()
            + ", not " + c.digestHex()));
    checks.add(c.workload().measurement() != null
        ? Check.of(r.measurement().equals(c.workload().measurement()), "workload.measurement",
            r.measurement().equals(c.workload().measurement()) ? "the contract's workload measurement"
                : "the receipt's measurement " + r.measurement() + " is not the contract's " + c.workload().measurement())
        // A reference value is resolved by each broker against the pipeline keys it trusts; nothing here can.
        : Check.fail("workload.measurement", "the contract names reference value '" + c.workload().referenceValue()
            + "', not a measurement; a receipt is checked only against a contract that pins one"));
    Set<String> owners = new LinkedHashSet<>();
    c.datasets().forEach(d -> owners.add(d.party()));
    checks.add(sameParties("ear_tokens", r.earTokens().keySet(), owners, "dataset owners"));
    Set<String> recipients = new LinkedHashSet<>();
    c.recipients().forEach(x -> recipients.add(x.party()));
    checks.add(sameParties("outputs_sha256", r.outputsSha256().keySet(), recipients, "recipients"));
    for (var e : outputs.entrySet()) {
      checks.add(output(e.getKey(), e.getValue(), r));
    }
    if (outputs.isEmpty()) {
      checks.add(new Check("outputs", TrustTier.NONE, "no output file given; their digests were not compared"));
    }
    for (Check k : checks) {
      if (k.outcome() != TrustTier.AFFIRMING && k.outcome() != TrustTier.NONE) {
        // A warning (e.g. from a policy) is not acceptance either: a receipt is accepted only when everything affirmed.
        return new ReceiptVerdict.Rejected(k.name(), k.detail(), checks);
      }
    }
    Map<String, Object> claims = new LinkedHashMap<>(verdict.claims());
    return new ReceiptVerdict.Accepted(r, claims, checks);
  }

  /** A field of the verified evidence, from the family's claims (hex; {@code a.b} inside a map); absent or not hex: empty, which matches nothing. */
  private static Octets claim(Map<String, Object> claims, String name) {
    Object v = claims;
    for (String key : name.split("\\.")) {
      v = v instanceof Map<?, ?> m ? m.get(key) : null;
    }
    try {
      return Octets.fromHex(v instanceof String s ? s : "");
    } catch (IllegalArgumentException e) {
      return Octets.fromHex("");
    }
  }

  private static Check hex(String name, Octets got, String wantHex) {
    try {
      return Check.matches(name, got, Octets.fromHex(wantHex));
    } catch (IllegalArgumentException e) {
      return Check.fail(name, "the receipt's value is not hex");
    }
  }

  private static Check sameParties(String name, Set<String> got, Set<String> want, String who) {
    return got.equals(want) ? Check.pass(name, "one per " + who.substring(0, who.length() - 1) + ": " + String.join(", ", want))
        : Check.fail(name, "names " + got + ", the contract's " + who + " are " + want);
  }

  private static Check output(String party, Path file, Receipt r) {
    String name = "outputs_sha256." + party;
    String want = r.outputsSha256().get(party);
    if (want == null) {
      return Check.fail(name, "the receipt has no output for " + party);
    }
    String got;
    try (InputStream in = Files.newInputStream(file)) {
      got = DatasetCipher.sha256(in);
    } catch (IOException e) {
      return Check.fail(name, "cannot read " + file + ": " + e.getMessage());
    }
    return Check.of(got.equals(want), name, got.equals(want) ? file + " is the sealed output the job wrote"
        : file + " has SHA-256 " + got + ", the receipt says " + want);
  }

  private static ReceiptVerdict rejected(List<Check> checks, String field, String detail) {
    checks.add(Check.fail(field, detail));
    return new ReceiptVerdict.Rejected(field, detail, checks);
  }
}
