package dev.cloister.cleanroom.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.tee.Context;
import dev.cloister.cleanroom.contract.Contract;
import dev.cloister.cleanroom.contract.PartyKeys;
import dev.cloister.cleanroom.contract.SignedContract;
import dev.cloister.enclave.Platform;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A receipt written as the job writes it, by the simulated platform, then each field the evidence
 * binds changed in turn: every change is refused naming that field. The job's own receipt is
 * checked end to end by the CLI's clean-room test and the demo.
 */
class ReceiptVerifierTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> PARTIES = List.of("hospital-a", "hospital-b");
  static final String MEASUREMENT = "5e".repeat(48);

  @TempDir static Path dir;
  static SimulatedSnpPlatform platform;
  static SignedContract contract;
  static Map<String, Path> outputs = new LinkedHashMap<>();

  @BeforeAll
  static void setUp() throws Exception {
    platform = SimulatedSnpPlatform.openOrCreate(dir.resolve("platform"), Clock.systemUTC());
    for (String p : PARTIES) {
      PartyKeys.generate(dir.resolve("keys"), p);
    }
    contract = signed(MEASUREMENT);
    for (String p : PARTIES) {
      Path f = dir.resolve(p + ".model.hpke");
      Files.writeString(f, "sealed output for " + p);
      outputs.put(p, f);
    }
  }

  static SignedContract signed(String measurement) throws Exception {
    Path keys = dir.resolve("keys");
    List<Contract.Party> parties = new ArrayList<>();
    List<Contract.Dataset> datasets = new ArrayList<>();
    List<Contract.Recipient> recipients = new ArrayList<>();
    for (String p : PARTIES) {
      parties.add(new Contract.Party(p, PartyKeys.signingKeyText(keys, p), "http://127.0.0.1:1"));
      datasets.add(new Contract.Dataset(p, p + "-2026", "ab".repeat(32), List.of("age", "readmitted"), "readmitted", p + "/dataset/" + p + "-2026"));
      recipients.add(new Contract.Recipient(p, PartyKeys.hpkePublicText(keys, p)));
    }
    Contract c = new Contract(1, "readmission", parties, datasets, new Contract.Workload("logreg", "1", measurement), recipients,
        new Contract.OutputPolicy(List.of("model", "metrics"), false));
    SignedContract s = SignedContract.unsigned(c);
    for (String p : PARTIES) {
      s = s.sign(p, PartyKeys.signingPrivate(keys, p), PartyKeys.signingPublic(keys, p));
    }
    return s;
  }

  static String sha256(Path f) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
  }

  /** The receipt the job would write for {@link #contract}. */
  static Receipt genuine() throws Exception {
    Map<String, String> digests = new LinkedHashMap<>();
    for (String p : PARTIES) {
      digests.put(p, sha256(outputs.get(p)));
    }
    return new Receipt(contract.contract().digestHex(), MEASUREMENT, Map.of("hospital-a", "token-a", "hospital-b", "token-b"), digests);
  }

  /** Attested as the job does: evidence from a TEE launched with this measurement and host data, over the receipt. */
  static byte[] attest(Receipt r, String measurement, byte[] hostData) throws Exception {
    Platform tee = platform.launched(Octets.fromHex(measurement), Octets.copyOf(hostData));
    return new Receipt.Attested(r, tee.evidence(r.reportData())).toJson();
  }

  static byte[] attest(Receipt r) throws Exception {
    return attest(r, MEASUREMENT, contract.contract().digest());
  }

  static ReceiptVerifier.Options simulationAllowed() {
    return new ReceiptVerifier.Options(Context.builder().simulatedAnchors(List.of(platform.trustAnchor())).allowSimulated(true).build());
  }

  static ReceiptVerdict.Rejected rejected(ReceiptVerdict v) {
    assertThat(v).isInstanceOf(ReceiptVerdict.Rejected.class);
    return (ReceiptVerdict.Rejected) v;
  }

  @Test
  void theReceiptAsTheJobWritesItIsAccepted() throws Exception {
    Receipt r = genuine();
    ReceiptVerdict v = ReceiptVerifier.verify(attest(r), contract, outputs, simulationAllowed());
    assertThat(v).isInstanceOfSatisfying(ReceiptVerdict.Accepted.class, a -> {
      assertThat(a.receipt()).isEqualTo(r);
      assertThat(a.claims().get("platform")).isEqualTo("simulated");
      assertThat(a.checks()).noneMatch(Check::failed);
      assertThat(a.checks()).extracting(Check::name).contains("report_data", "host_data", "measurement", "contract_digest",
          "workload.measurement", "ear_tokens", "outputs_sha256", "outputs_sha256.hospital-a", "outputs_sha256.hospital-b");
    });
  }

  @Test
  void simulatedEvidenceIsRefusedByTheDefaultPolicy() throws Exception {
    var options = new ReceiptVerifier.Options(Context.builder().simulatedAnchors(List.of(platform.trustAnchor())).build());
    var v = rejected(ReceiptVerifier.verify(attest(genuine()), contract, outputs, options));
    assertThat(v.field()).isEqualTo("platform");
    assertThat(v.detail()).isEqualTo("evidence is from a simulated platform and simulation is not allowed");
  }

  @Test
  void theSimulatedRootIsNotTrustedUnlessAdded() throws Exception {
    var options = new ReceiptVerifier.Options(Context.builder().allowSimulated(true).build());
    var v = rejected(ReceiptVerifier.verify(attest(genuine()), contract, outputs, options));
    assertThat(v.field()).isEqualTo("chain.ark");
    assertThat(v.detail()).endsWith("is not a trusted root");
  }

  @Test
  void aReceiptFieldChangedAfterAttestationBreaksTheReportDataBinding() throws Exception {
    ObjectNode file = (ObjectNode) JSON.readTree(attest(genuine()));
    ((ObjectNode) file.get("receipt").get("outputs_sha256")).put("hospital-b", "00".repeat(32));
    var v = rejected(ReceiptVerifier.verify(JSON.writeValueAsBytes(file), contract, Map.of(), simulationAllowed()));
    assertThat(v.field()).isEqualTo("report_data");
    assertThat(v.detail()).startsWith("got ");
  }

  @Test
  void anotherContractDigestIsRefusedEvenWhenAttested() throws Exception {
    Receipt g = genuine();
    Receipt other = new Receipt("11".repeat(32), g.measurement(), g.earTokens(), g.outputsSha256());
    var v = rejected(ReceiptVerifier.verify(attest(other), contract, outputs, simulationAllowed()));
    assertThat(v.field()).isEqualTo("contract_digest");
    assertThat(v.detail()).isEqualTo("the receipt names contract " + "11".repeat(32) + ", not " + contract.contract().digestHex());
  }

  @Test
  void aTeeLaunchedForAnotherContractIsRefusedOnHostData() throws Exception {
    var v = rejected(ReceiptVerifier.verify(attest(genuine(), MEASUREMENT, new byte[32]), contract, outputs, simulationAllowed()));
    assertThat(v.field()).isEqualTo("host_data");
    assertThat(v.detail()).isEqualTo("got " + "00".repeat(32) + ", expected " + contract.contract().digestHex());
  }

  @Test
  void anOutputDigestChangedAndAttestedDoesNotMatchTheFile() throws Exception {
    Receipt g = genuine();
    Map<String, String> digests = new LinkedHashMap<>(g.outputsSha256());
    digests.put("hospital-b", "22".repeat(32));
    Receipt changed = new Receipt(g.contractDigest(), g.measurement(), g.earTokens(), digests);
    var v = rejected(ReceiptVerifier.verify(attest(changed), contract, outputs, simulationAllowed()));
    assertThat(v.field()).isEqualTo("outputs_sha256.hospital-b");
    assertThat(v.detail()).isEqualTo(outputs.get("hospital-b") + " has SHA-256 " + sha256(outputs.get("hospital-b")) + ", the receipt says "
        + "22".repeat(32));
  }

  @Test
  void aSealedOutputChangedAfterTheJobIsRefused() throws Exception {
    Path changed = dir.resolve("changed.model.hpke");
    Files.writeString(changed, "sealed output for hospital-a, changed");
    var v = rejected(ReceiptVerifier.verify(attest(genuine()), contract, Map.of("hospital-a", changed), simulationAllowed()));
    assertThat(v.field()).isEqualTo("outputs_sha256.hospital-a");
  }

  @Test
  void aFlippedEvidenceSignatureIsRefused() throws Exception {
    ObjectNode file = (ObjectNode) JSON.readTree(attest(genuine()));
    ArrayNode r = (ArrayNode) file.get("evidence").get("attestation_report").get("signature").get("r");
    r.set(0, r.get(0).asInt() ^ 1);
    var v = rejected(ReceiptVerifier.verify(JSON.writeValueAsBytes(file), contract, outputs, simulationAllowed()));
    assertThat(v.field()).isEqualTo("report.signature");
    assertThat(v.detail()).isEqualTo("ECDSA P-384 signature does not verify with the certificate's key");
  }

  @Test
  void aWorkloadOtherThanTheContractsIsRefused() throws Exception {
    String other = "77".repeat(48);
    Receipt g = genuine();
    Receipt r = new Receipt(g.contractDigest(), other, g.earTokens(), g.outputsSha256());
    var v = rejected(ReceiptVerifier.verify(attest(r, other, contract.contract().digest()), contract, outputs, simulationAllowed()));
    assertThat(v.field()).isEqualTo("workload.measurement");
    assertThat(v.detail()).isEqualTo("the receipt's measurement " + other + " is not the contract's " + MEASUREMENT);
    // The receipt claiming the contract's measurement while the TEE ran another: the evidence says otherwise.
    var lying = rejected(ReceiptVerifier.verify(attest(g, other, contract.contract().digest()), contract, outputs, simulationAllowed()));
    assertThat(lying.field()).isEqualTo("measurement");
  }

  @Test
  void tokensOrOutputsForOtherPartiesAreRefused() throws Exception {
    Receipt g = genuine();
    Receipt r = new Receipt(g.contractDigest(), g.measurement(), Map.of("hospital-a", "token-a"), g.outputsSha256());
    var v = rejected(ReceiptVerifier.verify(attest(r), contract, outputs, simulationAllowed()));
    assertThat(v.field()).isEqualTo("ear_tokens");
    assertThat(v.detail()).isEqualTo("names [hospital-a], the contract's dataset owners are [hospital-a, hospital-b]");
  }

  @Test
  void anUnknownOrDuplicatedFieldIsRefusedBeforeAnythingElse() throws Exception {
    ObjectNode file = (ObjectNode) JSON.readTree(attest(genuine()));
    ((ObjectNode) file.get("receipt")).put("note", "unchecked");
    var v = rejected(ReceiptVerifier.verify(JSON.writeValueAsBytes(file), contract, outputs, simulationAllowed()));
    assertThat(v.field()).isEqualTo("receipt.note");
    String text = new String(attest(genuine()), StandardCharsets.UTF_8);
    String dup = text.replaceFirst("\\{", "{\"report_data\": \"x\",");
    var d = rejected(ReceiptVerifier.verify(dup.getBytes(StandardCharsets.UTF_8), contract, outputs, simulationAllowed()));
    assertThat(d.field()).isEqualTo("receipt_file");
    assertThat(d.detail()).isEqualTo("not strict JSON: duplicate key 'report_data'");
  }

  @Test
  void aContractNotSignedByEveryPartyIsRefused() throws Exception {
    var unsigned = new SignedContract(contract.contract(), Map.of("hospital-a", contract.signatures().get("hospital-a")));
    var v = rejected(ReceiptVerifier.verify(attest(genuine()), unsigned, outputs, simulationAllowed()));
    assertThat(v.field()).isEqualTo("signatures.hospital-b");
    assertThat(v.detail()).isEqualTo("missing: the contract is not signed by hospital-b");
  }
}
