package dev.cloister.cleanroom.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.tee.Context;
import dev.cloister.broker.admin.AdminClient;
import dev.cloister.cleanroom.contract.Contract;
import dev.cloister.cleanroom.job.ConfidentialJob;
import dev.cloister.cleanroom.job.JobException;
import dev.cloister.cleanroom.job.ReceiptVerdict;
import dev.cloister.cleanroom.job.ReceiptVerifier;
import dev.cloister.cleanroom.job.ReleasePolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clean room on each simulated TEE: every broker releases through that family's verification
 * and the contract's pins for it, a broker pinning another measurement refuses, and the receipt
 * verifies only with simulation allowed.
 */
class SimulatedTeeCleanRoomTest {
  @ParameterizedTest
  @ValueSource(strings = {"snp", "tdx", "nitro"})
  @Timeout(120)
  void eachBrokerReleasesThroughTheFamilyAndAnotherPinnedMeasurementRefuses(String tee, @TempDir Path work) throws Exception {
    try (HospitalsDemo.Setup s = HospitalsDemo.prepare(2, 400, tee, work, m -> {})) {
      assertThat(s.tee().tee()).isEqualTo(tee);
      Contract c = s.contract().contract();
      HospitalsDemo.Party second = s.parties().get(1);
      // The second broker pins a workload one measurement away: the same evidence gets nothing from it.
      String other = (c.workload().measurement().startsWith("0") ? "1" : "0") + c.workload().measurement().substring(1);
      Contract pinnedElsewhere = new Contract(c.version(), c.name(), c.parties(), c.datasets(),
          new Contract.Workload(c.workload().name(), c.workload().version(), other), c.recipients(), c.outputPolicy());
      String wrong = ReleasePolicy.cel(pinnedElsewhere, tee, true).replace(pinnedElsewhere.digestHex(), c.digestHex());
      new AdminClient(second.broker().uri(), second.admin()).putPolicy(second.keyResource(), wrong);
      assertThatThrownBy(() -> ConfidentialJob.run(s.inputs(work.resolve("refused")), m -> {}))
          .isInstanceOfSatisfying(JobException.class, e -> {
            assertThat(e.party()).as(e.getMessage()).isEqualTo(second.name());
            assertThat(e.getMessage()).contains("HTTP 403");
          });
      assertThat(work.resolve("refused")).doesNotExist();

      // Pinned to the contract's own measurement again, every key is released and the receipt verifies.
      new AdminClient(second.broker().uri(), second.admin()).putPolicy(second.keyResource(), ReleasePolicy.cel(c, tee, true));
      ConfidentialJob.Outcome o = ConfidentialJob.run(s.inputs(work.resolve("out")), m -> {});
      assertThat(o.tokens()).containsOnlyKeys(s.parties().get(0).name(), second.name());
      byte[] receipt = Files.readAllBytes(o.receipt());
      assertThat(new String(receipt, java.nio.charset.StandardCharsets.UTF_8)).contains("\"tee\" : \"" + tee + "\"");
      ReceiptVerdict ok = ReceiptVerifier.verify(receipt, s.contract(), o.outputs(),
          new ReceiptVerifier.Options(Context.builder().simulated(s.roots()).allowSimulated(true).build()));
      assertThat(ok).as(ok.toString()).isInstanceOf(ReceiptVerdict.Accepted.class);
      ReceiptVerdict refused = ReceiptVerifier.verify(receipt, s.contract(), Map.of(),
          new ReceiptVerifier.Options(Context.builder().simulated(s.roots()).build()));
      assertThat(refused).isInstanceOfSatisfying(ReceiptVerdict.Rejected.class, r -> {
        // SEV-SNP verifies its simulated anchor and the appraisal refuses; TDX and Nitro refuse the root itself.
        assertThat(r.reason()).containsAnyOf("simulation is not allowed", "trusted only when simulation is allowed");
      });
    }
  }
}
