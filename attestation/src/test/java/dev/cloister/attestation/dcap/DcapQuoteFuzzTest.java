package dev.cloister.attestation.dcap;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attestation.FuzzInputs;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.testing.Vectors;

/** The DCAP quote parser, seeded with a real quote mutated in place: only the typed error may escape. */
class DcapQuoteFuzzTest {
  @FuzzTest
  void parse(FuzzedDataProvider data) {
    byte[] input = FuzzInputs.arbitraryOrMutated(data, Vectors.read("dcap-qvl/sample/tdx_quote"));
    try {
      DcapQuote q = DcapQuote.parse(input);
      if (q.signedRegion().length > input.length || q.reportBody().length() == 0) {
        throw new IllegalStateException("inconsistent parse");
      }
    } catch (MalformedEvidenceException expected) {
      // the only acceptable failure
    }
  }
}
