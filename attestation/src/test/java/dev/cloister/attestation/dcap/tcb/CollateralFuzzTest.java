package dev.cloister.attestation.dcap.tcb;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attestation.FuzzInputs;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.testing.Vectors;

/**
 * Intel collateral parsing (dcap-qvl's JSON, the TCB info and QE identity documents, PCS responses),
 * seeded with real collateral mutated in place: only the typed error may escape.
 */
class CollateralFuzzTest {
  private static byte[] json;
  private static byte[] tcbInfo;
  private static byte[] qeIdentity;
  private static byte[] pcsResponse;

  @FuzzTest
  void parse(FuzzedDataProvider data) throws Exception {
    if (json == null) { // read once: the seeds are the same for every input
      json = Vectors.read("dcap-qvl/sample/sgx_quote_collateral.json");
      IntelCollateral seed = IntelCollateral.fromDcapQvlJson(json);
      tcbInfo = seed.tcbInfo().body();
      qeIdentity = seed.qeIdentity().body();
      pcsResponse = Vectors.read("trustee/deps/verifier/test_data/tcbInfo.json");
    }
    try {
      switch (data.consumeInt(0, 3)) {
        case 0 -> IntelCollateral.fromDcapQvlJson(FuzzInputs.arbitraryOrMutated(data, json));
        case 1 -> TcbInfo.parse(FuzzInputs.arbitraryOrMutated(data, tcbInfo));
        case 2 -> QeIdentity.parse(FuzzInputs.arbitraryOrMutated(data, qeIdentity));
        default -> TcbInfo.parse(IntelCollateral.rawMember(FuzzInputs.arbitraryOrMutated(data, pcsResponse), "tcbInfo", "fuzz"));
      }
    } catch (MalformedEvidenceException expected) {
      // the only acceptable failure
    }
  }
}
