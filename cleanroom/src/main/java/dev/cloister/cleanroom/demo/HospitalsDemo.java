package dev.cloister.cleanroom.demo;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.tee.Context;
import dev.cloister.broker.Broker;
import dev.cloister.broker.BrokerInit;
import dev.cloister.broker.admin.AdminClient;
import dev.cloister.broker.store.BrokerStore;
import dev.cloister.cleanroom.contract.Contract;
import dev.cloister.cleanroom.contract.PartyKeys;
import dev.cloister.cleanroom.contract.SignedContract;
import dev.cloister.cleanroom.dataset.DataKey;
import dev.cloister.cleanroom.dataset.DatasetCipher;
import dev.cloister.cleanroom.job.ConfidentialJob;
import dev.cloister.cleanroom.job.ReceiptVerdict;
import dev.cloister.cleanroom.job.ReceiptVerifier;
import dev.cloister.cleanroom.job.ReleasePolicy;
import dev.cloister.cleanroom.output.SealedOutput;
import dev.cloister.cleanroom.synthetic.PatientRecords;
import dev.cloister.cleanroom.workload.PooledLogisticRegression;
import dev.cloister.cleanroom.workload.Table;
import dev.cloister.cleanroom.workload.WorkloadBundle;
import dev.cloister.cleanroom.workload.WorkloadConfig;
import dev.cloister.enclave.Platform;
import dev.cloister.enclave.kbs.KbsClient;
import dev.cloister.attestation.tee.SimulatedRoots;
import dev.cloister.enclave.simulated.SimulatedPlatforms;
import dev.cloister.ledger.LedgerVerifier;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The hospitals demonstration: N hospitals, each with its own broker on its own loopback port and
 * data directory, its own synthetic records encrypted under its own key, one contract signed by
 * all, the confidential job on a simulated platform (SEV-SNP, TDX or Nitro: each release and the
 * receipt go through that family's real verification path), the model released to every
 * hospital; then why they do it (pooled against local AUC on each hospital's held-out rows) and
 * why it is safe (a workload one byte different gets nothing from any broker; every audit log
 * verifies; the job's receipt verifies as {@code job verify-receipt} checks it).
 */
public final class HospitalsDemo {
  public static final long SEED = 2026;

  /** One hospital: its records, ciphertext, broker and admin credential. */
  public record Party(String name, int rows, Path dir, Path records, Path ciphertext, String datasetName, String keyResource, Broker broker, String admin) {
    /** Without the admin credential, which would otherwise print with the record. */
    @Override
    public String toString() {
      return "Party[" + name + ", " + rows + " rows, " + dir + ", broker " + broker.uri() + "]";
    }
  }

  private HospitalsDemo() {}

  /**
   * Everything up to the job: hospitals, brokers (started, on loopback), encrypted records, the
   * signed contract, bound release policies and the launched simulated TEE. The benchmark suite
   * times the job on it; close it to stop the brokers.
   */
  public record Setup(String teeName, Path platformDir, SimulatedRoots roots, Path work, Path keys, List<Party> parties, Path bundle, Octets measurement,
      SignedContract contract, Platform tee, Map<String, Path> ciphertexts) implements AutoCloseable {
    /** The job's inputs, writing its outputs to {@code outDir}. */
    public ConfidentialJob.Inputs inputs(Path outDir) {
      return new ConfidentialJob.Inputs(contract, bundle, ciphertexts, tee, outDir);
    }

    @Override
    public void close() {
      for (Party p : parties) {
        p.broker().close();
      }
    }
  }

  /** What each simulated family is called in the narrative. */
  private static final Map<String, String> LABEL = Map.of("snp", "SEV-SNP", "tdx", "TDX", "nitro", "Nitro Enclaves");
  /** Where each family carries the contract and the measurement (see {@link ReleasePolicy}). */
  private static final Map<String, String> BINDING = Map.of(
      "snp", "HOST_DATA = contract digest and MEASUREMENT = contract's workload measurement",
      "tdx", "MRCONFIGID = contract digest and MRTD = contract's workload measurement",
      "nitro", "PCR16 = contract digest extended and PCR0 = contract's workload measurement");

  /** Sets up {@code parties} hospitals with {@code totalRows} records between them on simulated SEV-SNP (see {@link Setup}). */
  public static Setup prepare(int parties, int totalRows, Path work, Consumer<String> say) throws Exception {
    return prepare(parties, totalRows, "snp", work, say);
  }

  /**
   * Sets up {@code parties} hospitals with {@code totalRows} records between them, the job to run
   * on the simulated {@code tee} ({@code snp}, {@code tdx} or {@code nitro}; see {@link Setup}).
   *
   * @throws IllegalArgumentException for another {@code tee}
   */
  public static Setup prepare(int parties, int totalRows, String tee, Path work, Consumer<String> say) throws Exception {
    if (!SimulatedPlatforms.TEES.contains(tee)) {
      throw new IllegalArgumentException("--tee must be one of " + String.join(", ", SimulatedPlatforms.TEES) + ", not '" + tee + "'");
    }
    List<PatientRecords.Hospital> hospitals = profiles(parties);
    say.accept("Setting up " + parties + " hospitals in " + work + " (each: keys, a key broker, synthetic patient records)");
    say.accept("WARNING: the brokers run with --allow-simulated: they accept evidence from the SIMULATED platform, which protects nothing."
        + " On real hardware, omit it.");
    Path platformDir = work.resolve("simulated-platform");
    SimulatedRoots roots = SimulatedPlatforms.openOrCreate(platformDir, Clock.systemUTC());
    Path keys = work.resolve("keys");
    List<Party> ps = new ArrayList<>();
    boolean ok = false;
    try {
      double shares = hospitals.stream().mapToDouble(PatientRecords.Hospital::share).sum();
      for (PatientRecords.Hospital h : hospitals) {
        Path dir = work.resolve(h.name());
        Files.createDirectories(dir);
        PartyKeys.generate(keys, h.name());
        String admin = Files.readString(BrokerInit.init(dir.resolve("broker"), Clock.systemUTC())).strip();
        Broker broker = Broker.start(Broker.Options.loopback(dir.resolve("broker"), 0).withSimulation(roots));
        int rows = (int) Math.round(totalRows * h.share() / shares);
        Path records = dir.resolve("records.csv");
        try (Writer w = Files.newBufferedWriter(records)) {
          PatientRecords.write(h, rows, SEED, w);
        }
        String dataset = h.name() + "-readmissions";
        Path ct = dir.resolve(dataset + ".enc");
        DataKey key = DataKey.generate();
        String digest;
        try (InputStream in = Files.newInputStream(records); OutputStream out = Files.newOutputStream(ct)) {
          digest = DatasetCipher.encrypt(key, dataset, in, out, n -> {});
        }
        String resource = h.name() + "/dataset/" + dataset;
        new AdminClient(broker.uri(), admin).putResource(resource, key.toBytes(DataKey.exportAccess()));
        Files.writeString(dir.resolve(dataset + ".sha256"), digest + "\n");
        ps.add(new Party(h.name(), rows, dir, records, ct, dataset, resource, broker, admin));
        say.accept(String.format("  %-14s %5d records encrypted (%s...), key held by its broker at %s", h.name(), rows, digest.substring(0, 12), broker.uri()));
      }

      Path bundle = work.resolve("workload");
      WorkloadBundle.writeLogisticRegression(bundle, WorkloadConfig.readmission(), WorkloadBundle.codeJar());
      Octets measurement = WorkloadBundle.measure(bundle).measurement();
      say.accept("Workload: pooled logistic regression; measurement " + measurement.hex().substring(0, 24) + "... (digest of the bundle)");

      List<Contract.Party> cps = new ArrayList<>();
      List<Contract.Dataset> cds = new ArrayList<>();
      List<Contract.Recipient> crs = new ArrayList<>();
      for (Party p : ps) {
        cps.add(new Contract.Party(p.name(), PartyKeys.signingKeyText(keys, p.name()), p.broker().uri().toString()));
        cds.add(new Contract.Dataset(p.name(), p.datasetName(), Files.readString(p.dir().resolve(p.datasetName() + ".sha256")).strip(),
            PatientRecords.COLUMNS, "readmitted", p.keyResource()));
        crs.add(new Contract.Recipient(p.name(), PartyKeys.hpkePublicText(keys, p.name())));
      }
      Contract contract = new Contract(1, "readmission-risk-2026", cps, cds, new Contract.Workload("pooled-logistic-regression", "1", measurement.hex()),
          crs, new Contract.OutputPolicy(List.of("model", "metrics"), false));
      SignedContract signed = SignedContract.unsigned(contract);
      for (Party p : ps) {
        signed = signed.sign(p.name(), PartyKeys.signingPrivate(keys, p.name()), PartyKeys.signingPublic(keys, p.name()));
      }
      signed.verify();
      Files.write(work.resolve("contract.json"), signed.toJson());
      say.accept("Contract " + contract.digestHex().substring(0, 16) + "... signed by all " + ps.size() + " hospitals; each broker binds its key to it:");
      for (Party p : ps) {
        new AdminClient(p.broker().uri(), p.admin()).putPolicy(p.keyResource(), ReleasePolicy.cel(contract, tee, true));
      }
      say.accept("  release only to simulated " + LABEL.get(tee) + " evidence with " + BINDING.get(tee));

      Platform launched = SimulatedPlatforms.launch(tee, platformDir, Clock.systemUTC(), measurement, Octets.copyOf(contract.digest()));
      Map<String, Path> ciphertexts = new LinkedHashMap<>();
      ps.forEach(p -> ciphertexts.put(p.datasetName(), p.ciphertext()));
      ok = true;
      return new Setup(tee, platformDir, roots, work, keys, List.copyOf(ps), bundle, measurement, signed, launched, ciphertexts);
    } finally {
      if (!ok) {
        for (Party p : ps) {
          p.broker().close();
        }
      }
    }
  }

  /**
   * The whole demonstration in {@code work}, narrated through {@code say}: the set-up, the job, its
   * receipt checked, each hospital's model opened and scored, a tampered workload refused by every
   * broker, every audit log verified. The map is what {@code demo --json} prints.
   */
  public static Map<String, Object> run(int parties, int totalRows, Path work, Consumer<String> say) throws Exception {
    return run(parties, totalRows, "snp", work, say);
  }

  /** {@link #run(int, int, Path, Consumer)} with the job on the simulated {@code tee}. */
  public static Map<String, Object> run(int parties, int totalRows, String tee, Path work, Consumer<String> say) throws Exception {
    try (Setup setup = prepare(parties, totalRows, tee, work, say)) {
      Path keys = setup.keys();
      List<Party> ps = setup.parties();
      Contract contract = setup.contract().contract();
      Octets measurement = setup.measurement();
      say.accept("Running the confidential job on the simulated " + LABEL.get(tee) + " platform (launched with " + BINDING.get(tee) + ")");
      ConfidentialJob.Outcome outcome = ConfidentialJob.run(setup.inputs(work.resolve("output")), m -> say.accept("  " + m));
      // The receipt, checked as a hospital would (job verify-receipt): this platform's root trusted, simulation allowed, said loudly above.
      ReceiptVerdict receipt = ReceiptVerifier.verify(Files.readAllBytes(outcome.receipt()), setup.contract(), outcome.outputs(),
          new ReceiptVerifier.Options(Context.builder().simulated(setup.roots()).allowSimulated(true).build()));
      say.accept(switch (receipt) {
        case ReceiptVerdict.Accepted a -> "Receipt verified: " + LABEL.get(tee) + " evidence genuine, bound to the receipt's digest and the contract, all "
            + a.receipt().outputsSha256().size() + " outputs match";
        case ReceiptVerdict.Rejected r -> "Receipt REJECTED: " + r.reason();
      });

      List<Map<String, Object>> partyRows = new ArrayList<>();
      WorkloadConfig config = WorkloadConfig.readmission();
      for (Party p : ps) {
        SealedOutput out = SealedOutput.open(outcome.outputs().get(p.name()), keys, p.name(), contract.digestHex());
        Table own;
        try (InputStream in = Files.newInputStream(p.records())) {
          own = Table.readCsv(in, p.name());
        }
        double pooled = out.evaluate(p.name(), own, true).auc();
        double local = PooledLogisticRegression.local(config, new PooledLogisticRegression.PartyData(p.name(), own)).auc();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", p.name());
        row.put("rows", p.rows());
        row.put("local_auc", round(local));
        row.put("pooled_auc", round(pooled));
        row.put("key_released", outcome.tokens().containsKey(p.name()));
        partyRows.add(row);
      }

      say.accept("A workload differing by one byte asks every broker for its key:");
      Path tampered = work.resolve("workload-tampered");
      WorkloadBundle.writeLogisticRegression(tampered, WorkloadConfig.readmission(), WorkloadBundle.codeJar());
      Files.writeString(tampered.resolve(WorkloadBundle.CONFIG), Files.readString(tampered.resolve(WorkloadBundle.CONFIG)) + " ");
      Octets badMeasurement = WorkloadBundle.measure(tampered).measurement();
      Platform badTee = SimulatedPlatforms.launch(tee, setup.platformDir(), Clock.systemUTC(), badMeasurement, Octets.copyOf(contract.digest()));
      int released = 0;
      int denied = 0;
      for (Party p : ps) {
        try {
          KbsClient c = new KbsClient(p.broker().uri());
          c.attest(badTee);
          c.resource(p.keyResource());
          released++;
        } catch (KbsClient.KbsRefusedException e) {
          denied++;
          say.accept(String.format("  %-14s refused: HTTP %d", p.name(), e.status()));
        }
      }

      List<Map<String, Object>> audits = new ArrayList<>();
      for (Party p : ps) {
        Path brokerDir = p.dir().resolve("broker");
        var report = LedgerVerifier.verifyDatabase(BrokerStore.database(brokerDir),
            Files.readString(brokerDir.resolve("audit.vkey")).strip(), Optional.empty());
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("party", p.name());
        a.put("entries", report.entries());
        a.put("verified", true);
        audits.add(a);
      }

      Map<String, Object> result = new LinkedHashMap<>();
      result.put("parties", partyRows);
      result.put("pooled_auc", round(outcome.pooled().auc())); // the pooled model on every hospital's held-out rows together
      Map<String, Object> receiptResult = new LinkedHashMap<>();
      receiptResult.put("verified", receipt instanceof ReceiptVerdict.Accepted);
      receiptResult.put("reason", receipt instanceof ReceiptVerdict.Rejected r ? r.reason() : null);
      result.put("receipt", receiptResult);
      result.put("tampered_workload", Map.of("released", released, "denied", denied));
      result.put("audit", audits);
      result.put("contract_digest", contract.digestHex());
      result.put("measurement", measurement.hex());
      result.put("platform", "simulated");
      result.put("tee", tee);
      result.put("work_dir", work.toString());
      return result;
    }
  }

  private static double round(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }

  private static List<PatientRecords.Hospital> profiles(int n) {
    List<PatientRecords.Hospital> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      PatientRecords.Hospital h = PatientRecords.SIX.get(i % PatientRecords.SIX.size());
      out.add(i < PatientRecords.SIX.size() ? h
          : new PatientRecords.Hospital(h.name() + "-" + (i / PatientRecords.SIX.size() + 1), h.share(), h.ageMean(), h.hba1cMean(),
              h.emergencyRate(), h.comorbidityRate()));
    }
    return out;
  }

}
