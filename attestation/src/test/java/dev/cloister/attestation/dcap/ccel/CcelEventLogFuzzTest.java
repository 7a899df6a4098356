package dev.cloister.attestation.dcap.ccel;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attestation.FuzzInputs;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.testing.Vectors;
import java.util.Arrays;
import java.util.Collections;

/**
 * The CCEL event log parser and replay, seeded with the real COS-113 log (go-tdx-guest
 * testing/testdata/ccel/ccel_data.dat) cut before its 0xFF padding so mutations land in events:
 * only the typed errors may escape.
 */
class CcelEventLogFuzzTest {
  private static byte[] seed; // read on first use, so a missing vector skips (or fails under CI) like the other targets

  @FuzzTest
  void parse(FuzzedDataProvider data) {
    if (seed == null) {
      seed = seed();
    }
    byte[] input = FuzzInputs.arbitraryOrMutated(data, seed);
    try {
      CcelEventLog log = CcelEventLog.parse(input);
      if (log.events().size() > CcelEventLog.MAX_EVENTS || log.replay().size() != CcelEventLog.RTMRS) {
        throw new IllegalStateException("inconsistent parse");
      }
      log.summary();
      log.verify(Collections.nCopies(CcelEventLog.RTMRS, Octets.zeros(48)));
    } catch (MalformedEvidenceException | VerificationException expected) {
      // the only acceptable failures
    }
  }

  private static byte[] seed() {
    byte[] raw = Vectors.read("go-tdx-guest/testing/testdata/ccel/ccel_data.dat");
    int end = raw.length;
    while (end > 0 && raw[end - 1] == (byte) 0xFF) {
      end--;
    }
    return Arrays.copyOf(raw, end);
  }
}
