package dev.cloister.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.Octets;
import dev.cloister.broker.Broker;
import dev.cloister.broker.admin.AdminClient;
import dev.cloister.cleanroom.contract.Contract;
import dev.cloister.cleanroom.contract.PartyKeys;
import dev.cloister.cleanroom.contract.SignedContract;
import dev.cloister.cleanroom.job.ReleasePolicy;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import dev.cloister.enclave.testing.SimulatedTsmDevice;
import dev.cloister.enclave.testing.TsmFs;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code job run --platform configfs-tsm} end to end: six hospitals' brokers (started with
 * --allow-simulated), and the job's every report made through tsmfs, the FUSE stand-in of the
 * kernel's configfs-tsm, by the simulated SEV-SNP platform behind its socket.
 */
class JobRunConfigfsTsmTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void getsEveryKeyThroughConfigfsTsmAndNoneFromADeviceThatIgnoresInblob(@TempDir Path tmp) throws Exception {
    Path work = tmp.resolve("w");
    CliRunner demo = CliRunner.run("demo", "--work-dir", work.toString(), "--json");
    assertThat(demo.exit()).as(demo.err()).isZero();
    SimulatedSnpPlatform platform = SimulatedSnpPlatform.openOrCreate(work.resolve("simulated-platform"), Clock.systemUTC());
    SignedContract signed = SignedContract.parse(Files.readAllBytes(work.resolve("contract.json")));
    List<String> parties = signed.contract().parties().stream().map(Contract.Party::name).toList();
    assertThat(parties).hasSize(6);
    List<Broker> brokers = new ArrayList<>();
    try {
      // The demo's brokers stopped with it: restart each on its data directory, re-sign the contract with their new URLs.
      Map<String, URI> uris = new LinkedHashMap<>();
      for (String p : parties) {
        Broker b = Broker.start(Broker.Options.loopback(work.resolve(p).resolve("broker"), 0).withSimulation(List.of(platform.trustAnchor())));
        brokers.add(b);
        uris.put(p, b.uri());
      }
      Contract c = signed.contract();
      Contract moved = new Contract(c.version(), c.name(),
          c.parties().stream().map(p -> new Contract.Party(p.name(), p.signingKey(), uris.get(p.name()).toString())).toList(),
          c.datasets(), c.workload(), c.recipients(), c.outputPolicy());
      SignedContract all = SignedContract.unsigned(moved);
      for (String p : parties) {
        all = all.sign(p, PartyKeys.signingPrivate(work.resolve("keys"), p), PartyKeys.signingPublic(work.resolve("keys"), p));
      }
      Path contract = tmp.resolve("contract.json");
      Files.write(contract, all.toJson());
      for (int i = 0; i < parties.size(); i++) {
        String admin = Files.readString(work.resolve(parties.get(i)).resolve("broker").resolve("admin.token")).strip();
        new AdminClient(uris.get(parties.get(i)), admin).putPolicy(moved.datasets().get(i).keyResource(), ReleasePolicy.cel(moved, true));
      }
      List<String> job = new ArrayList<>(List.of("job", "run", "--contract", contract.toString(), "--bundle", work.resolve("workload").toString()));
      for (Contract.Dataset d : moved.datasets()) {
        job.addAll(List.of("--dataset", d.name() + "=" + work.resolve(d.party()).resolve(d.name() + ".enc")));
      }
      Octets measurement = Octets.fromHex(moved.workload().measurement());
      Octets hostData = Octets.copyOf(moved.digest());

      // The guest as launched for this contract: every key released, outputs and an attested receipt written.
      Path out = tmp.resolve("out");
      try (SimulatedTsmDevice device = new SimulatedTsmDevice(tmp.resolve("sp.sock"), platform, measurement, hostData);
          TsmFs fs = TsmFs.mount(tmp.resolve("tsm"), List.of("--socket", device.socket().toString()))) {
        List<String> run = new ArrayList<>(job);
        run.addAll(List.of("--platform", "configfs-tsm", "--tsm-root", fs.root().toString(), "--out", out.toString()));
        CliRunner r = CliRunner.run(run.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        for (String p : parties) {
          assertThat(r.err()).contains(p + ": key released");
          assertThat(out.resolve(p + ".model.hpke")).isNotEmptyFile();
        }
        // One report to open the platform, one per broker, one for the receipt; no entry left behind.
        assertThat(device.reports()).isEqualTo(1 + 6 + 1);
        assertThat(fs.entries()).isEmpty();
      }
      CliRunner receipt = CliRunner.run("job", "verify-receipt", out.resolve("receipt.json").toString(), "--contract", contract.toString(),
          "--output", parties.get(0) + "=" + out.resolve(parties.get(0) + ".model.hpke"), "--allow-simulated", "--platform",
          work.resolve("simulated-platform").toString(), "--json");
      assertThat(receipt.exit()).as(receipt.out() + receipt.err()).isZero();
      JsonNode v = JSON.readTree(receipt.out());
      assertThat(v.get("verdict").asText()).isEqualTo("accepted");
      assertThat(v.get("receipt").get("measurement").asText()).isEqualTo(moved.workload().measurement());

      // A device that ignores inblob, found by --platform auto: refused before any broker is asked; nothing written.
      Path out2 = tmp.resolve("out2");
      try (SimulatedTsmDevice device = new SimulatedTsmDevice(tmp.resolve("sp2.sock"), platform, measurement, hostData);
          TsmFs fs = TsmFs.mount(tmp.resolve("tsm2"), List.of("--socket", device.socket().toString(), "--ignore-inblob"))) {
        List<String> run = new ArrayList<>(job);
        run.addAll(List.of("--platform", "auto", "--tsm-root", fs.root().toString(), "--out", out2.toString()));
        CliRunner r = CliRunner.run(run.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("platform: configfs-tsm at " + fs.root())
            .contains("cloister: job refused: platform auto: outblob: REPORT_DATA is not the 64 bytes written to inblob; the device ignored"
                + " inblob, refusing its report")
            .doesNotContain("key released").doesNotContain("attesting to");
        assertThat(out2).doesNotExist();
        assertThat(fs.entries()).isEmpty();
      }
      for (int i = 0; i < parties.size(); i++) {
        // Each broker's log: one release to the demo's own job, one to the configfs-tsm job, none after.
        String admin = Files.readString(work.resolve(parties.get(i)).resolve("broker").resolve("admin.token")).strip();
        assertThat(releases(uris.get(parties.get(i)), admin)).as(parties.get(i)).isEqualTo(2);
      }

      // No TEE at all: one line naming --platform simulated, exit 1.
      List<String> run = new ArrayList<>(job);
      run.addAll(List.of("--tsm-root", tmp.resolve("no-configfs").toString(), "--out", tmp.resolve("out3").toString()));
      CliRunner none = CliRunner.run(run.toArray(String[]::new));
      assertThat(none.exit()).isEqualTo(1);
      assertThat(none.err()).isEqualTo("cloister: no TEE found on this machine (looked for configfs-tsm at " + tmp.resolve("no-configfs")
          + ", sev-guest at /dev/sev-guest, nsm at /dev/nsm, azure-vtpm at /dev/tpmrm0 (HCL report, NV index 0x01400001))"
          + "; to run on the simulated platform, say --platform simulated" + System.lineSeparator());
    } finally {
      brokers.forEach(Broker::close);
    }
  }

  /** The key releases the broker's audit log records. */
  static long releases(URI broker, String admin) throws Exception {
    return new AdminClient(broker, admin).get("/kbs/v0/audit/entries").lines()
        .filter(l -> l.contains("\"type\":\"key_released\"")).count(); // entries are RFC 8785 JSON: no spaces
  }
}
