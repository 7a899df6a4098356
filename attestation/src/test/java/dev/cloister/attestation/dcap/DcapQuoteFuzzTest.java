package dev.cloister.attestation.dcap;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.testing.Vectors;

/** The DCAP quote parser, seeded with a real quote mutated in place: only the typed error may escape. */
class DcapQuoteFuzzTest {
  @FuzzTest(maxDuration = "15s")
  void parse(FuzzedDataProvider data) {
    byte[] input;
    if (data.consumeBoolean()) {
      input = data.consumeRemainingAsBytes();
    } else {
      input = Vectors.read("dcap-qvl/sample/tdx_quote");
      int edits = data.consumeInt(1, 16);
      for (int i = 0; i < edits && data.remainingBytes() > 4; i++) {
        input[data.consumeInt(0, input.length - 1)] = data.consumeByte();
      }
    }
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
