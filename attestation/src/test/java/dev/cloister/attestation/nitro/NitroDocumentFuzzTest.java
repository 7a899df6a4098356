package dev.cloister.attestation.nitro;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attestation.FuzzInputs;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.testing.Vectors;

/** The COSE/CBOR Nitro document parser: arbitrary bytes or a real document mutated; only the typed error may escape. */
class NitroDocumentFuzzTest {
  @FuzzTest
  void parse(FuzzedDataProvider data) {
    byte[] input = FuzzInputs.arbitraryOrMutated(data, Vectors.read("attestation-doc-validation/test-data/beta/valid-attestation-doc-bytes"));
    try {
      NitroDocument.parse(input);
    } catch (MalformedEvidenceException expected) {
      // the only acceptable failure
    }
  }
}
