package dev.cloister.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.Octets;
import dev.cloister.broker.admin.AdminClient;
import dev.cloister.cleanroom.contract.SignedContract;
import dev.cloister.cleanroom.job.ConfidentialJob;
import dev.cloister.cleanroom.job.JobException;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The whole clean-room flow with real brokers over HTTP (the demo), then each way it must fail:
 * a missing signature, a changed ciphertext byte, a revoked key, the wrong host data. Each names
 * the party and the reason, and writes no plaintext and no model.
 */
class CleanRoomEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void demoRunsEndToEndAndPrintsTheDocumentedJson(@TempDir Path tmp) throws Exception {
    CliRunner r = CliRunner.run("demo", "--parties", "3", "--rows", "1500", "--work-dir", tmp.resolve("w").toString(), "--json");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    JsonNode j = JSON.readTree(r.out());
    assertThat(j.get("parties")).hasSize(3);
    for (JsonNode p : j.get("parties")) {
      assertThat(p.get("key_released").asBoolean()).isTrue();
      assertThat(p.get("pooled_auc").asDouble()).isGreaterThan(p.get("local_auc").asDouble());
    }
    assertThat(j.get("tampered_workload").get("released").asInt()).isZero();
    assertThat(j.get("tampered_workload").get("denied").asInt()).isEqualTo(3);
    assertThat(j.get("audit")).allMatch(a -> a.get("verified").asBoolean() && a.get("entries").asInt() > 0);
    assertThat(j.get("receipt").get("verified").asBoolean()).as(j.get("receipt").toString()).isTrue();
    assertThat(j.get("platform").asText()).isEqualTo("simulated");
    assertThat(j.get("contract_digest").asText()).hasSize(64);
    assertThat(j.get("measurement").asText()).hasSize(96);
    assertThat(r.err()).contains("WARNING").contains("--allow-simulated");
  }

  /** The same demonstration with the job on simulated TDX and Nitro: every release and the receipt through that family. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"tdx", "nitro"})
  @org.junit.jupiter.api.Timeout(180)
  void demoRunsOnSimulatedTdxAndNitro(String tee, @TempDir Path tmp) throws Exception {
    CliRunner r = CliRunner.run("demo", "--tee", tee, "--parties", "3", "--rows", "1500", "--work-dir", tmp.resolve("w").toString(), "--json");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    JsonNode j = JSON.readTree(r.out());
    assertThat(j.get("tee").asText()).isEqualTo(tee);
    assertThat(j.get("parties")).hasSize(3).allMatch(p -> p.get("key_released").asBoolean());
    assertThat(j.get("tampered_workload").get("denied").asInt()).isEqualTo(3);
    assertThat(j.get("receipt").get("verified").asBoolean()).as(j.get("receipt").toString()).isTrue();
    assertThat(r.err()).contains("simulated " + (tee.equals("tdx") ? "TDX" : "Nitro Enclaves") + " evidence");
    // The receipt names its family, and job verify-receipt checks it as the demo did, and refuses it without --allow-simulated.
    Path w = tmp.resolve("w");
    assertThat(Files.readString(w.resolve("output/receipt.json"))).contains("\"tee\" : \"" + tee + "\"");
    CliRunner ok = CliRunner.run("job", "verify-receipt", w.resolve("output/receipt.json").toString(), "--contract", w.resolve("contract.json").toString(),
        "--allow-simulated", "--platform", w.resolve("simulated-platform").toString());
    assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
    CliRunner refused = CliRunner.run("job", "verify-receipt", w.resolve("output/receipt.json").toString(), "--contract", w.resolve("contract.json").toString());
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.out()).contains("is not a trusted " + (tee.equals("tdx") ? "Intel" : "Nitro") + " root");
  }

  /** A prepared clean room, brokers running, ready for the job; built by the demo's own code. */
  record Room(Path work, SignedContract contract, Map<String, Path> ciphertexts, SimulatedSnpPlatform platform, Octets measurement,
      List<dev.cloister.broker.Broker> brokers) {}

  static Path setUp(Path work) throws Exception {
    // The demo leaves its whole state in the work directory; its brokers stop when it returns.
    CliRunner r = CliRunner.run("demo", "--parties", "3", "--rows", "1500", "--work-dir", work.toString(), "--json");
    assertThat(r.exit()).as(r.err()).isZero();
    return work;
  }

  @Test
  void everyWayToAskWronglyFailsNamingThePartyAndWritesNothing(@TempDir Path tmp) throws Exception {
    Path work = setUp(tmp.resolve("w"));
    SimulatedSnpPlatform platform = SimulatedSnpPlatform.openOrCreate(work.resolve("simulated-platform"), Clock.systemUTC());
    SignedContract signed = SignedContract.parse(Files.readAllBytes(work.resolve("contract.json")));
    List<String> parties = signed.contract().parties().stream().map(p -> p.name()).toList();
    // Restart the two brokers (same data directories) on new ports and point a copy of the contract at them.
    List<dev.cloister.broker.Broker> brokers = new java.util.ArrayList<>();
    try {
      Map<String, URI> uris = new LinkedHashMap<>();
      for (String p : parties) {
        var b = dev.cloister.broker.Broker.start(dev.cloister.broker.Broker.Options.loopback(work.resolve(p).resolve("broker"), 0)
            .withSimulation(List.of(platform.trustAnchor())));
        brokers.add(b);
        uris.put(p, b.uri());
      }
      // Broker URLs are part of the signed contract; the demo's ports are gone, so re-sign with new ones.
      var c = signed.contract();
      var moved = new dev.cloister.cleanroom.contract.Contract(c.version(), c.name(),
          c.parties().stream().map(p -> new dev.cloister.cleanroom.contract.Contract.Party(p.name(), p.signingKey(), uris.get(p.name()).toString())).toList(),
          c.datasets(), c.workload(), c.recipients(), c.outputPolicy());
      Path keys = work.resolve("keys");
      SignedContract all = SignedContract.unsigned(moved);
      for (String p : parties) {
        all = all.sign(p, dev.cloister.cleanroom.contract.PartyKeys.signingPrivate(keys, p), dev.cloister.cleanroom.contract.PartyKeys.signingPublic(keys, p));
      }
      for (int i = 0; i < parties.size(); i++) {
        String p = parties.get(i);
        String admin = Files.readString(work.resolve(p).resolve("broker").resolve("admin.token")).strip();
        new AdminClient(uris.get(p), admin).putPolicy(moved.datasets().get(i).keyResource(),
            dev.cloister.cleanroom.job.ReleasePolicy.cel(moved, true));
      }
      Octets measurement = Octets.fromHex(moved.workload().measurement());
      Map<String, Path> cts = new TreeMap<>();
      for (var d : moved.datasets()) {
        cts.put(d.name(), work.resolve(d.party()).resolve(d.name() + ".enc"));
      }
      Path bundle = work.resolve("workload");
      var good = platform.launched(measurement, Octets.copyOf(moved.digest()));

      // The happy path with the moved contract works.
      Path okOut = tmp.resolve("ok");
      ConfidentialJob.run(new ConfidentialJob.Inputs(all, bundle, cts, good, okOut), m -> {});
      assertThat(okOut.resolve("receipt.json")).exists();
      receiptVerifiesOnlyWithItsContractAndOutputs(tmp, work, all, okOut, parties);

      // 1. A signature missing.
      var missing = new SignedContract(moved, Map.of(parties.get(0), all.signatures().get(parties.get(0))));
      failsWithoutOutput(tmp, missing, bundle, cts, good, "contract", parties.get(1));

      // 2. One byte of a dataset ciphertext changed (the job checks the contract's digest first).
      Path changed = tmp.resolve("changed.enc");
      byte[] ct = Files.readAllBytes(cts.get(moved.datasets().get(1).name()));
      ct[ct.length / 2] ^= 1;
      Files.write(changed, ct);
      Map<String, Path> tamperedCts = new TreeMap<>(cts);
      tamperedCts.put(moved.datasets().get(1).name(), changed);
      failsWithoutOutput(tmp, all, bundle, tamperedCts, good, parties.get(1), "not the one in the contract");

      // 3. The wrong host data: a TEE launched for another contract.
      var otherContract = platform.launched(measurement, Octets.zeros(32));
      failsWithoutOutput(tmp, all, bundle, cts, otherContract, parties.get(0), "HTTP 403");

      // 4. The owner revoked its key.
      String admin1 = Files.readString(work.resolve(parties.get(1)).resolve("broker").resolve("admin.token")).strip();
      new AdminClient(uris.get(parties.get(1)), admin1).deleteResource(moved.datasets().get(1).keyResource());
      failsWithoutOutput(tmp, all, bundle, cts, good, parties.get(1), "HTTP 404");
    } finally {
      brokers.forEach(dev.cloister.broker.Broker::close);
    }
  }

  /** job verify-receipt on the receipt the job just wrote: accepted with simulation allowed, each refusal named. */
  static void receiptVerifiesOnlyWithItsContractAndOutputs(Path tmp, Path work, SignedContract contract, Path out, List<String> parties)
      throws Exception {
    Path contractFile = tmp.resolve("moved-contract.json");
    Files.write(contractFile, contract.toJson());
    String receipt = out.resolve("receipt.json").toString();
    String platformDir = work.resolve("simulated-platform").toString();
    String output = parties.get(0) + "=" + out.resolve(parties.get(0) + ".model.hpke");
    CliRunner ok = CliRunner.run("job", "verify-receipt", receipt, "--contract", contractFile.toString(), "--output", output,
        "--allow-simulated", "--platform", platformDir, "--json");
    assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
    JsonNode v = JSON.readTree(ok.out());
    assertThat(v.get("verdict").asText()).isEqualTo("accepted");
    assertThat(v.get("receipt").get("contract_digest").asText()).isEqualTo(contract.contract().digestHex());
    assertThat(v.get("receipt").get("platform").asText()).isEqualTo("simulated");
    assertThat(ok.out()).doesNotContain("eyJ"); // the EAR tokens (JWTs) are never printed
    assertThat(ok.err()).contains("WARNING: --allow-simulated");

    // Without --allow-simulated the simulated root is not trusted: refused, as attest verify refuses it.
    CliRunner refused = CliRunner.run("job", "verify-receipt", receipt, "--contract", contractFile.toString(), "--json");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(JSON.readTree(refused.out()).get("field").asText()).isEqualTo("chain.ark");

    // Another party's output file under this party's name.
    String swapped = parties.get(0) + "=" + out.resolve(parties.get(1) + ".model.hpke");
    CliRunner wrongOutput = CliRunner.run("job", "verify-receipt", receipt, "--contract", contractFile.toString(), "--output", swapped,
        "--allow-simulated", "--platform", platformDir);
    assertThat(wrongOutput.exit()).isEqualTo(1);
    assertThat(wrongOutput.out()).startsWith("REJECTED  receipt " + receipt + "  (outputs_sha256." + parties.get(0) + ": ");

    // The contract as the demo signed it (other broker URLs): not the contract this job ran.
    CliRunner otherContract = CliRunner.run("job", "verify-receipt", receipt, "--contract", work.resolve("contract.json").toString(),
        "--allow-simulated", "--platform", platformDir, "--json");
    assertThat(otherContract.exit()).isEqualTo(1);
    assertThat(JSON.readTree(otherContract.out()).get("field").asText()).isEqualTo("host_data");

    CliRunner usage = CliRunner.run("job", "verify-receipt", receipt, "--contract", contractFile.toString(), "--output", "no-equals-sign");
    assertThat(usage.exit()).isEqualTo(2);
    assertThat(usage.err()).contains("--output no-equals-sign: expected PARTY=FILE");
  }

  static void failsWithoutOutput(Path tmp, SignedContract c, Path bundle, Map<String, Path> cts, dev.cloister.enclave.Platform tee,
      String party, String reason) throws Exception {
    Path out = tmp.resolve("out-" + System.nanoTime());
    assertThatThrownBy(() -> ConfidentialJob.run(new ConfidentialJob.Inputs(c, bundle, cts, tee, out), m -> {}))
        .isInstanceOfSatisfying(JobException.class, e -> {
          assertThat(e.getMessage()).contains(reason);
          assertThat(e.party()).isIn(party, "contract");
          if (!e.party().equals("contract")) {
            assertThat(e.party()).isEqualTo(party);
          }
        });
    assertThat(out).doesNotExist();
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.filter(p -> p.getFileName().toString().startsWith(".job-")).toList()).isEmpty();
    }
  }
}
