package dev.cloister.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.broker.Broker;
import dev.cloister.cleanroom.synthetic.PatientRecords;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The clean room by hand, as two hospitals would run it, command by command. */
class CleanRoomCommandsTest {
  @Test
  void twoHospitalsByHand(@TempDir Path tmp) throws Exception {
    Path keys = tmp.resolve("keys");
    Path platformDir = tmp.resolve("platform");
    SimulatedSnpPlatform platform = SimulatedSnpPlatform.openOrCreate(platformDir, Clock.systemUTC());
    List<String> names = List.of("st-mary", "riverside");
    List<Broker> brokers = new ArrayList<>();
    try {
      List<String> partyArgs = new ArrayList<>();
      List<String> datasetArgs = new ArrayList<>();
      List<String> jobArgs = new ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        String n = names.get(i);
        assertThat(CliRunner.run("contract", "keygen", "--keys", keys.toString(), "--party", n).exit()).isZero();
        Path bdir = tmp.resolve(n + "-broker");
        assertThat(CliRunner.run("broker", "init", "--data-dir", bdir.toString()).exit()).isZero();
        Broker b = Broker.start(Broker.Options.loopback(bdir, 0).withSimulation(List.of(platform.trustAnchor())));
        brokers.add(b);
        Path csv = tmp.resolve(n + ".csv");
        try (Writer w = Files.newBufferedWriter(csv)) {
          PatientRecords.write(PatientRecords.SIX.get(i), 400, 1, w);
        }
        Path enc = tmp.resolve(n + ".enc");
        CliRunner e = CliRunner.run("dataset", "encrypt", "--in", csv.toString(), "--out", enc.toString(), "--name", n + "-data",
            "--broker", b.uri().toString(), "--admin-token", bdir.resolve("admin.token").toString(), "--key-out", tmp.resolve(n + ".key").toString());
        assertThat(e.exit()).as(e.err()).isZero();
        assertThat(e.out()).contains("sha256").contains("registered");
        CliRunner d = CliRunner.run("dataset", "decrypt", "--in", enc.toString(), "--out", tmp.resolve(n + ".check.csv").toString(),
            "--name", n + "-data", "--key", tmp.resolve(n + ".key").toString());
        assertThat(d.exit()).isZero();
        assertThat(Files.readString(tmp.resolve(n + ".check.csv"))).isEqualTo(Files.readString(csv));
        partyArgs.add("--party");
        partyArgs.add(n + "=" + b.uri());
        datasetArgs.add("--dataset");
        datasetArgs.add(n + "=" + n + "-data=" + enc);
        jobArgs.add("--dataset");
        jobArgs.add(n + "-data=" + enc);
      }
      Path bundle = tmp.resolve("workload");
      CliRunner m = CliRunner.run("measure", "workload", "--bundle", bundle.toString(), "--init", "--json");
      assertThat(m.exit()).isZero();
      String measurement = new ObjectMapper().readTree(m.out()).get("measurement").asText();
      assertThat(measurement).hasSize(96);

      Path contract = tmp.resolve("contract.json");
      List<String> init = new ArrayList<>(List.of("contract", "init", "--out", contract.toString(), "--name", "by-hand",
          "--measurement", measurement, "--keys", keys.toString()));
      init.addAll(partyArgs);
      init.addAll(datasetArgs);
      CliRunner ci = CliRunner.run(init.toArray(String[]::new));
      assertThat(ci.exit()).as(ci.err()).isZero();
      assertThat(CliRunner.run("contract", "verify", "--contract", contract.toString()).exit()).isEqualTo(1);
      for (int i = 0; i < names.size(); i++) {
        String n = names.get(i);
        assertThat(CliRunner.run("contract", "sign", "--contract", contract.toString(), "--party", n, "--keys", keys.toString()).exit()).isZero();
      }
      CliRunner v = CliRunner.run("contract", "verify", "--contract", contract.toString());
      assertThat(v.exit()).isZero();
      assertThat(CliRunner.run("contract", "show", "--contract", contract.toString()).out()).contains("st-mary").contains("true");
      for (int i = 0; i < names.size(); i++) {
        String n = names.get(i);
        CliRunner bind = CliRunner.run("contract", "bind", "--contract", contract.toString(), "--party", n, "--broker", brokers.get(i).uri().toString(),
            "--admin-token", tmp.resolve(n + "-broker").resolve("admin.token").toString(), "--allow-simulated");
        assertThat(bind.exit()).as(bind.err()).isZero();
      }
      List<String> run = new ArrayList<>(List.of("job", "run", "--contract", contract.toString(), "--bundle", bundle.toString(),
          "--platform", "simulated", "--platform-dir", platformDir.toString(), "--out", tmp.resolve("out").toString()));
      run.addAll(jobArgs);
      CliRunner job = CliRunner.run(run.toArray(String[]::new));
      assertThat(job.exit()).as(job.err()).isZero();
      Path sealed = tmp.resolve("out").resolve("st-mary.model.hpke");
      // st-mary checks the receipt the job wrote before trusting its copy: human output, every check listed.
      CliRunner receipt = CliRunner.run("job", "verify-receipt", tmp.resolve("out").resolve("receipt.json").toString(), "--contract",
          contract.toString(), "--output", "st-mary=" + sealed, "--allow-simulated", "--platform", platformDir.toString());
      assertThat(receipt.exit()).as(receipt.out() + receipt.err()).isZero();
      assertThat(receipt.out()).startsWith("ACCEPTED  receipt ").contains("report_data").contains("host_data")
          .contains("outputs_sha256.st-mary");
      CliRunner dec = CliRunner.run("model", "decrypt", "--in", sealed.toString(), "--keys", keys.toString(), "--party", "st-mary",
          "--contract", contract.toString(), "--out", tmp.resolve("model.bin").toString());
      assertThat(dec.exit()).as(dec.err()).isZero();
      assertThat(dec.out()).contains("\"auc\"");
      CliRunner ev = CliRunner.run("model", "evaluate", "--in", sealed.toString(), "--keys", keys.toString(), "--party", "st-mary",
          "--contract", contract.toString(), "--data", tmp.resolve("st-mary.csv").toString());
      assertThat(ev.exit()).isZero();
      assertThat(new ObjectMapper().readTree(ev.out()).get("auc").asDouble()).isGreaterThan(0.6);
      // Another party's key does not open st-mary's copy: a refusal (1), not a usage error.
      assertThat(CliRunner.run("model", "decrypt", "--in", sealed.toString(), "--keys", keys.toString(), "--party", "riverside",
          "--contract", contract.toString(), "--out", tmp.resolve("x").toString()).exit()).isEqualTo(1);

      // A tampered workload bundle: the job runs, and the first broker refuses it.
      Files.writeString(bundle.resolve("workload.json"), Files.readString(bundle.resolve("workload.json")) + " ");
      run.set(run.indexOf(tmp.resolve("out").toString()), tmp.resolve("out2").toString());
      CliRunner bad = CliRunner.run(run.toArray(String[]::new));
      assertThat(bad.exit()).isEqualTo(1);
      assertThat(bad.err()).contains("st-mary").contains("HTTP 403");
      assertThat(tmp.resolve("out2")).doesNotExist();
      // A platform Cloister has no attester for is a usage error, not a promise.
      CliRunner real = CliRunner.run("job", "run", "--contract", contract.toString(), "--bundle", bundle.toString(), "--platform", "sgx-enclave",
          "--out", tmp.resolve("o3").toString(), "--dataset", "x=y");
      assertThat(real.exit()).isEqualTo(2);
      assertThat(real.err()).contains("--platform must be auto, configfs-tsm, sev-guest, nsm, azure-vtpm or simulated");
    } finally {
      brokers.forEach(Broker::close);
    }
  }
}
