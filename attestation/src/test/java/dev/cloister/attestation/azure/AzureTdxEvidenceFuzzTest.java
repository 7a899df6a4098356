package dev.cloister.attestation.azure;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.FuzzInputs;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.testing.Vectors;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * The az-tdx-vtpm parsers on arbitrary and mutated real inputs (Trustee's az-tdx-vtpm samples): the
 * TDX HCL report (report type 4, TDREPORT inside), and the evidence JSON followed by verification.
 * Only the typed errors may escape.
 */
class AzureTdxEvidenceFuzzTest {
  static final String DIR = "trustee/deps/verifier/test_data/az-tdx-vtpm/";
  static final AzureTdxVtpmVerifier.Options AT = AzureTdxVtpmVerifier.Options.at(Clock.fixed(Instant.parse("2025-03-01T00:00:00Z"), ZoneOffset.UTC));

  @FuzzTest
  void parse(FuzzedDataProvider data) {
    boolean hcl = data.consumeBoolean();
    byte[] input = FuzzInputs.arbitraryOrMutated(data, Vectors.read(DIR + (hcl ? "hcl-report.bin" : "evidence-v1.json")));
    try {
      if (hcl) {
        HclReport r = HclReport.parse(input);
        if (r.isTdx()) {
          r.td().quoteBody();
        }
      } else {
        AzureTdxVtpmVerifier.verify(AzureTdxVtpmEvidence.decode(input), AT);
      }
    } catch (MalformedEvidenceException expected) {
      // the only acceptable failure of a parser
    } catch (AttestationException expected) {
      // verification may also refuse, typed
    }
  }
}
