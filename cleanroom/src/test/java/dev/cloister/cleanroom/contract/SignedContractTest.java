package dev.cloister.cleanroom.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignedContractTest {
  @TempDir static Path keys;
  static final List<String> PARTIES = List.of("hospital-a", "hospital-b", "hospital-c");

  @BeforeAll
  static void keys() throws Exception {
    for (String p : PARTIES) {
      PartyKeys.generate(keys, p);
    }
  }

  static Contract contract(String measurement) throws Exception {
    List<Contract.Party> parties = new ArrayList<>();
    List<Contract.Dataset> datasets = new ArrayList<>();
    List<Contract.Recipient> recipients = new ArrayList<>();
    for (String p : PARTIES) {
      parties.add(new Contract.Party(p, PartyKeys.signingKeyText(keys, p), "http://127.0.0.1:1"));
      datasets.add(new Contract.Dataset(p, p + "-2026", "ab".repeat(32), List.of("age", "readmitted"), "readmitted", p + "/dataset/" + p + "-2026"));
      recipients.add(new Contract.Recipient(p, PartyKeys.hpkePublicText(keys, p)));
    }
    return new Contract(1, "readmission", parties, datasets, new Contract.Workload("logreg", "1", measurement), recipients,
        new Contract.OutputPolicy(List.of("model", "metrics"), false));
  }

  static SignedContract signedBy(Contract c, List<String> signers) throws Exception {
    SignedContract s = SignedContract.unsigned(c);
    for (String p : signers) {
      s = s.sign(p, PartyKeys.signingPrivate(keys, p), PartyKeys.signingPublic(keys, p));
    }
    return s;
  }

  @Test
  void countsOnlyWithEverySignatureAndSurvivesJsonRoundTrip() throws Exception {
    Contract c = contract("cd".repeat(48));
    assertThat(c.digest()).hasSize(32);
    SignedContract all = signedBy(c, PARTIES);
    all.verify();
    SignedContract again = SignedContract.parse(all.toJson());
    again.verify();
    assertThat(again.contract().digestHex()).isEqualTo(c.digestHex());

    assertThatThrownBy(() -> signedBy(c, PARTIES.subList(0, 2)).verify())
        .isInstanceOfSatisfying(ContractException.class, e -> assertThat(e.field()).isEqualTo("signatures.hospital-c"));
  }

  @Test
  void aChangedByteVoidsEverySignature() throws Exception {
    SignedContract all = signedBy(contract("cd".repeat(48)), PARTIES);
    String json = new String(all.toJson());
    SignedContract changed = SignedContract.parse(json.replace("cd".repeat(48), "cd".repeat(47) + "ce").getBytes());
    assertThatThrownBy(changed::verify).isInstanceOfSatisfying(ContractException.class,
        e -> assertThat(e.getMessage()).contains("changed after"));
  }

  @Test
  void wrongKeysStrangersAndBadDocumentsAreNamed() throws Exception {
    Contract c = contract("cd".repeat(48));
    assertThatThrownBy(() -> SignedContract.unsigned(c).sign("hospital-a", PartyKeys.signingPrivate(keys, "hospital-b"),
        PartyKeys.signingPublic(keys, "hospital-b"))).hasMessageContaining("parties.hospital-a.signing_key");
    SignedContract all = signedBy(c, PARTIES);
    var sigs = new java.util.TreeMap<>(all.signatures());
    sigs.put("mallory", sigs.get("hospital-a"));
    assertThatThrownBy(() -> new SignedContract(c, sigs).verify()).hasMessageContaining("mallory");
    assertThatThrownBy(() -> contract("short").validate()).isInstanceOfSatisfying(ContractException.class,
        e -> assertThat(e.field()).isEqualTo("workload.measurement"));
    assertThatThrownBy(() -> SignedContract.parse("{\"contract\": {\"version\": 1, \"surprise\": 1}}".getBytes()))
        .isInstanceOf(ContractException.class);
  }

  @Test
  void aContractMayNameASignedReferenceValueInsteadOfAMeasurement() throws Exception {
    Contract c = contract("cd".repeat(48));
    Contract named = new Contract(1, c.name(), c.parties(), c.datasets(), new Contract.Workload("logreg", "1", null, "readmission-image"),
        c.recipients(), c.outputPolicy());
    named.validate();
    signedBy(named, PARTIES).verify();
    assertThat(new String(named.canonical())).contains("\"reference_value\":\"readmission-image\"").doesNotContain("\"measurement\"");
    assertThat(dev.cloister.cleanroom.job.ReleasePolicy.cel(named, false)).contains("claims.measurement in reference_values['readmission-image']");
    assertThat(new String(c.canonical())).doesNotContain("reference_value"); // unchanged digest for contracts that pin a measurement
    Contract both = new Contract(1, c.name(), c.parties(), c.datasets(), new Contract.Workload("logreg", "1", "cd".repeat(48), "x"),
        c.recipients(), c.outputPolicy());
    assertThatThrownBy(both::validate).hasMessageContaining("exactly one");
  }
}
