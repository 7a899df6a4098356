package dev.cloister.attestation.dcap.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.DcapVerifier;
import dev.cloister.attestation.testing.Vectors;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Trustee's TDX and SGX evidence JSON (confidential-containers/trustee@78962cd
 * deps/verifier/src/tdx/mod.rs {@code TdxEvidence}, sgx/mod.rs {@code SgxEvidence}) built around
 * Trustee's own samples in deps/verifier/test_data: tdx_quote_4.dat with CCEL_data, and
 * occlum_quote.dat (INDEX.md §2, §3). The decoded quote verifies as DcapVerifierTest's does.
 */
class TrusteeDcapEvidenceTest {
  static final String DIR = "trustee/deps/verifier/test_data/";
  static final ObjectMapper JSON = new ObjectMapper();
  static final Clock AT = Clock.fixed(Instant.parse("2024-01-01T00:00:00Z"), ZoneOffset.UTC);

  static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }


  @Test
  void tdxEvidenceCarriesTheQuoteAndTheEventLog() throws Exception {
    byte[] quote = Vectors.read(DIR + "tdx_quote_4.dat");
    byte[] ccel = Vectors.read(DIR + "CCEL_data");
    ObjectNode n = JSON.createObjectNode().put("cc_eventlog", b64(ccel)).put("quote", b64(quote));
    TdxEvidence e = TdxEvidence.decode(JSON.writeValueAsBytes(n));
    assertThat(e.quote()).isEqualTo(quote);
    assertThat(e.ccEventlog()).hasValueSatisfying(b -> assertThat(b).isEqualTo(ccel));
    DcapQuote q = DcapVerifier.verify(e.quote(), AT).quote();
    assertThat(q.tdx()).isTrue();
    assertThat(IntelTee.ofQuoteHeader(quote)).contains(IntelTee.TDX);

    // Without an event log, with an empty one (Trustee: absent), and with an older agent's aa_eventlog.
    assertThat(TdxEvidence.decode(JSON.createObjectNode().put("quote", b64(quote))).ccEventlog()).isEmpty();
    assertThat(TdxEvidence.decode(JSON.createObjectNode().put("quote", b64(quote)).put("cc_eventlog", "")).ccEventlog()).isEmpty();
    assertThat(TdxEvidence.decode(JSON.createObjectNode().put("quote", b64(quote)).putNull("cc_eventlog").put("aa_eventlog", "x")).quote())
        .isEqualTo(quote);
  }

  @Test
  void sgxEvidenceCarriesTheQuote() throws Exception {
    byte[] quote = Vectors.read(DIR + "occlum_quote.dat");
    SgxEvidence e = SgxEvidence.decode(JSON.writeValueAsBytes(JSON.createObjectNode().put("quote", b64(quote))));
    assertThat(e.quote()).isEqualTo(quote);
    assertThat(DcapVerifier.verify(e.quote(), AT).quote().tdx()).isFalse();
    assertThat(IntelTee.ofQuoteHeader(quote)).contains(IntelTee.SGX);
  }

  @Test
  void malformedEvidenceFailsNamingTheField() throws Exception {
    byte[] tdx = Vectors.read(DIR + "tdx_quote_4.dat");
    byte[] sgx = Vectors.read(DIR + "occlum_quote.dat");
    String[][] cases = {
      {"{}", "tdx_evidence.quote"},
      {"{\"quote\": \"\"}", "tdx_evidence.quote"},
      {"{\"quote\": 5}", "tdx_evidence.quote"},
      {"[1]", "tdx_evidence"},
      {"not json", "tdx_evidence"},
      {"{\"quote\": \"" + b64(tdx).replace('+', '-').replace('/', '_') + "\"}", "tdx_evidence.quote"},
      {"{\"quote\": \"" + b64(sgx) + "\"}", "tdx_evidence.quote"},
      {"{\"quote\": \"" + b64(tdx) + "\", \"cc_eventlog\": \"%%%\"}", "tdx_evidence.cc_eventlog"},
      {"{\"quote\": \"" + b64(tdx) + "\", \"aa_eventlog\": 1}", "tdx_evidence.aa_eventlog"},
      {"{\"quote\": \"" + b64(tdx) + "\", \"report_data\": \"\"}", "tdx_evidence.report_data"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> TdxEvidence.decode(c[0].getBytes())).as(c[1])
          .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo(c[1]));
    }
    assertThatThrownBy(() -> SgxEvidence.decode(("{\"quote\": \"" + b64(tdx) + "\"}").getBytes()))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("sgx_evidence.quote"));
    assertThatThrownBy(() -> SgxEvidence.decode(("{\"quote\": \"" + b64(sgx) + "\", \"cc_eventlog\": null}").getBytes()))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("sgx_evidence.cc_eventlog"));
    assertThat(IntelTee.ofQuoteHeader(new byte[47])).isEmpty();
    assertThat(IntelTee.ofQuoteHeader(new byte[1184])).isEmpty();
  }
}
