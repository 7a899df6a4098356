package dev.cloister.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13 item 12 through the CLI: a signed document with a key given twice is refused, naming the key. */
class StrictDocumentsTest {
  @Test
  void contractVerifyRefusesAContractWithTwoMeasurements(@TempDir Path tmp) throws Exception {
    Path keys = tmp.resolve("keys");
    assertThat(CliRunner.run("contract", "keygen", "--keys", keys.toString(), "--party", "a").exit()).isZero();
    Path enc = Files.writeString(tmp.resolve("a.enc"), "ciphertext");
    Path contract = tmp.resolve("contract.json");
    String signed = "ab".repeat(48);
    assertThat(CliRunner.run("contract", "init", "--out", contract.toString(), "--name", "t", "--measurement", signed, "--keys", keys.toString(),
        "--party", "a=http://127.0.0.1:1", "--dataset", "a=d=" + enc).exit()).isZero();
    assertThat(CliRunner.run("contract", "sign", "--contract", contract.toString(), "--party", "a", "--keys", keys.toString()).exit()).isZero();
    assertThat(CliRunner.run("contract", "verify", "--contract", contract.toString()).exit()).isZero();
    // A second measurement before the signed one: a last-wins reader still sees the signed value and says VALID,
    // while a first-wins reader (another language's JSON library) would run the other workload.
    String text = Files.readString(contract);
    String doubled = text.replaceFirst("\"measurement\" : \"" + signed + "\"",
        "\"measurement\" : \"" + "cd".repeat(48) + "\",\n      \"measurement\" : \"" + signed + "\"");
    assertThat(doubled).isNotEqualTo(text);
    Files.writeString(contract, doubled);
    CliRunner v = CliRunner.run("contract", "verify", "--contract", contract.toString());
    assertThat(v.exit()).as(v.out() + v.err()).isEqualTo(1);
    assertThat(v.out()).isEqualTo("INVALID  contract: not a signed-contract document: not strict JSON: duplicate key 'measurement'\n");
    Files.writeString(contract, text + "{}");
    CliRunner trailing = CliRunner.run("contract", "verify", "--contract", contract.toString());
    assertThat(trailing.exit()).isEqualTo(1);
    assertThat(trailing.out()).isEqualTo("INVALID  contract: not a signed-contract document: not strict JSON: content after the JSON value\n");
  }
}
