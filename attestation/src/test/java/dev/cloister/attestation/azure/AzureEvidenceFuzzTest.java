package dev.cloister.attestation.azure;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attestation.FuzzInputs;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.testing.Vectors;

/** The HCL report and TPM quote parsers, on arbitrary and mutated real inputs: only the typed error may escape. */
class AzureEvidenceFuzzTest {
  @FuzzTest
  void parse(FuzzedDataProvider data) {
    boolean hcl = data.consumeBoolean();
    byte[] seed = hcl ? Vectors.read("trustee/deps/verifier/test_data/az-snp-vtpm/hcl-report.bin")
        : java.util.HexFormat.of().parseHex("ff54434780180022000b" + "00".repeat(34) + "0000" + "00".repeat(17) + "0000000000000000"
            + "00000001000b03ffffff" + "0020" + "00".repeat(32));
    byte[] input = FuzzInputs.arbitraryOrMutated(data, seed);
    try {
      if (hcl) {
        HclReport.parse(input);
      } else {
        TpmQuote.parse(input);
      }
    } catch (MalformedEvidenceException expected) {
      // the only acceptable failure
    }
  }
}
