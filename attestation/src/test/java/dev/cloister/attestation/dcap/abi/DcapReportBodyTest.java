package dev.cloister.attestation.dcap.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * TD and SGX report bodies against the values upstream asserts for the real quotes in testdata/vectors
 * (INDEX.md §2, §3): go-tdx-guest@91f9a52 tools/check/check_test.go (SPR E4 good values and RTMRs
 * from TestRtmrs), dcap-qvl@9bffe30 sample/sgx_quote, and every offset by seeded random bodies.
 */
class DcapReportBodyTest {
  static final String SPR_E4 = "go-tdx-guest/testing/testdata/tdx_prod_quote_SPR_E4.dat";

  static Octets hex(String s) {
    return Octets.fromHex(s);
  }

  @Test
  void sprE4TdReportMatchesCheckTestGoodValues() throws Exception {
    DcapQuote q = DcapQuote.parse(Vectors.read(SPR_E4));
    TdReport td = q.tdReport();
    assertThat(td.isTdx15()).isFalse();
    assertThat(td.teeTcbSvn()).isEqualTo(hex("03000400000000000000000000000000"));
    assertThat(td.mrSeam()).isEqualTo(hex("2fd279c16164a93dd5bf373d834328d46008c2b693af9ebb865b08b2ced320c9a89b4869a9fab60fbe9d0c5a5363c656"));
    assertThat(td.mrSignerSeam().isAllZero()).isTrue();
    assertThat(td.tdAttributes()).isEqualTo(hex("0000004000000000"));
    assertThat(td.attributes().debug()).isFalse();
    assertThat(td.attributes().bit(TdAttributes.PKS)).isTrue();
    assertThat(td.xfam()).isEqualTo(hex("e71a060000000000"));
    assertThat(td.xfamBits()).isEqualTo(0x061ae7L);
    assertThat(td.mrTd()).isEqualTo(hex("6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb"));
    assertThat(td.mrConfigId().isAllZero()).isTrue();
    assertThat(td.mrOwner().isAllZero()).isTrue();
    assertThat(td.mrOwnerConfig().isAllZero()).isTrue();
    assertThat(td.rtmr(0)).isEqualTo(hex("2927da70461cd63266f43230cc1849c03ef25ebe490062a801d8fcc80af42976823adf08f833c1e50b51779c6593f32a"));
    assertThat(td.rtmr(1)).isEqualTo(hex("2c700b8ba9b85783f8be9fb9443647bdc0bb3c50747f06297cc6538c25a5f589c4b56d035c59107c6bc5800db2cacb61"));
    assertThat(td.rtmr(2)).isEqualTo(hex("8652f0caaba7e215ea442dc36a4499d8fec3362f3a0b2ca151cbe4b3e6466fe59c7368b3c2287fc7c3bf5c924eb4424e"));
    assertThat(td.rtmr(3).isAllZero()).isTrue();
    assertThat(td.reportData()).isEqualTo(hex("6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed313b987a467dacead6f0c87a6d766c66f6f29f8acb281f1113"));
    // INDEX.md: QE isvsvn 4; the QE report is an SGX report like any other.
    SgxReport qe = q.qeReportBody();
    assertThat(qe.isvSvn()).isEqualTo(4);
    assertThat(qe.isvProdId()).isEqualTo(2); // Intel's TD QE
  }

  @Test
  void v5QuoteCarriesATdReport15() throws Exception {
    DcapQuote q = DcapQuote.parse(Vectors.read("go-tdx-guest/testing/testdata/quote_v5_sample.dat"));
    TdReport td = q.tdReport();
    assertThat(td.isTdx15()).isTrue();
    assertThat(td.teeTcbSvn2()).isPresent();
    assertThat(td.mrServiceTd()).hasValueSatisfying(v -> assertThat(v.length()).isEqualTo(48));
    assertThat(td.attributes().septVeDisable()).isTrue();
    assertThat(q.qeReportBody().isvSvn()).isEqualTo(7);
  }

  @Test
  void dcapQvlSgxQuote() throws Exception {
    DcapQuote q = DcapQuote.parse(Vectors.read("dcap-qvl/sample/sgx_quote"));
    SgxReport r = q.sgxReport();
    assertThat(r.mrEnclave()).isEqualTo(hex("33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"));
    assertThat(r.mrSigner()).isEqualTo(hex("815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6"));
    assertThat(new String(r.reportData().toByteArray(), 0, 13, StandardCharsets.US_ASCII)).isEqualTo("Hello, world!");
    assertThat(r.isvProdId()).isZero();
    assertThat(r.isvSvn()).isZero();
    assertThat(r.attributes().debug()).isFalse();
    assertThat(r.attributes().mode64Bit()).isTrue();
    assertThat(r.attributes().xfrm()).isEqualTo(0xe7L);
    assertThat(q.qeReportBody().isvSvn()).isEqualTo(10);
  }

  @Test
  void theWrongBodyKindNamesTheField() throws Exception {
    DcapQuote sgx = DcapQuote.parse(Vectors.read("dcap-qvl/sample/sgx_quote"));
    DcapQuote tdx = DcapQuote.parse(Vectors.read(SPR_E4));
    assertThatThrownBy(sgx::tdReport).isInstanceOfSatisfying(MalformedEvidenceException.class,
        e -> assertThat(e.field()).isEqualTo("quote.body_type"));
    assertThatThrownBy(tdx::sgxReport).isInstanceOfSatisfying(MalformedEvidenceException.class,
        e -> assertThat(e.field()).isEqualTo("quote.body_type"));
  }

  @Test
  void wrongLengthsAreTypedErrors() {
    assertThatThrownBy(() -> TdReport.parse(new byte[585])).isInstanceOfSatisfying(MalformedEvidenceException.class,
        e -> assertThat(e.field()).isEqualTo("td_report"));
    assertThatThrownBy(() -> SgxReport.parse(new byte[383])).isInstanceOfSatisfying(MalformedEvidenceException.class,
        e -> assertThat(e.field()).isEqualTo("sgx_report"));
  }

  /** Every field is the slice at its documented offset, and the fields tile the body with no gap. */
  @Test
  void tdReportOffsetsOnRandomBodies() throws Exception {
    Random r = new Random(6);
    for (int size : new int[] {TdReport.SIZE_15, TdReport.SIZE_10}) {
      for (int n = 0; n < 50; n++) {
        byte[] b = new byte[size];
        r.nextBytes(b);
        TdReport td = TdReport.parse(b);
        int at = 0;
        Octets[] inOrder = {td.teeTcbSvn(), td.mrSeam(), td.mrSignerSeam(), td.seamAttributes(), td.tdAttributes(), td.xfam(), td.mrTd(),
            td.mrConfigId(), td.mrOwner(), td.mrOwnerConfig(), td.rtmr(0), td.rtmr(1), td.rtmr(2), td.rtmr(3), td.reportData()};
        int[] lengths = {16, 48, 48, 8, 8, 8, 48, 48, 48, 48, 48, 48, 48, 48, 64};
        for (int i = 0; i < inOrder.length; i++) {
          assertThat(inOrder[i].toByteArray()).isEqualTo(Arrays.copyOfRange(b, at, at + lengths[i]));
          at += lengths[i];
        }
        assertThat(at).isEqualTo(TdReport.SIZE_10);
        if (size == TdReport.SIZE_15) {
          assertThat(td.teeTcbSvn2().orElseThrow().toByteArray()).isEqualTo(Arrays.copyOfRange(b, 584, 600));
          assertThat(td.mrServiceTd().orElseThrow().toByteArray()).isEqualTo(Arrays.copyOfRange(b, 600, 648));
        }
        long attrs = 0;
        for (int i = 7; i >= 0; i--) {
          attrs = attrs << 8 | (b[120 + i] & 0xFF);
        }
        assertThat(td.attributes().raw()).isEqualTo(attrs);
        assertThat(td.attributes().debug()).isEqualTo((b[120] & 1) != 0);
      }
    }
  }

  @Test
  void sgxReportOffsetsOnRandomBodies() throws Exception {
    Random r = new Random(7);
    for (int n = 0; n < 50; n++) {
      byte[] b = new byte[SgxReport.SIZE];
      r.nextBytes(b);
      SgxReport s = SgxReport.parse(b);
      assertThat(s.cpuSvn().toByteArray()).isEqualTo(Arrays.copyOfRange(b, 0, 16));
      assertThat(s.miscSelect()).isEqualTo((b[16] & 0xFFL) | (b[17] & 0xFFL) << 8 | (b[18] & 0xFFL) << 16 | (b[19] & 0xFFL) << 24);
      assertThat(s.isvExtProdId().toByteArray()).isEqualTo(Arrays.copyOfRange(b, 32, 48));
      assertThat(s.attributes().debug()).isEqualTo((b[48] & 2) != 0);
      assertThat(s.attributes().mode64Bit()).isEqualTo((b[48] & 4) != 0);
      assertThat(s.mrEnclave().toByteArray()).isEqualTo(Arrays.copyOfRange(b, 64, 96));
      assertThat(s.mrSigner().toByteArray()).isEqualTo(Arrays.copyOfRange(b, 128, 160));
      assertThat(s.configId().toByteArray()).isEqualTo(Arrays.copyOfRange(b, 192, 256));
      assertThat(s.isvProdId()).isEqualTo((b[256] & 0xFF) | (b[257] & 0xFF) << 8);
      assertThat(s.isvSvn()).isEqualTo((b[258] & 0xFF) | (b[259] & 0xFF) << 8);
      assertThat(s.configSvn()).isEqualTo((b[260] & 0xFF) | (b[261] & 0xFF) << 8);
      assertThat(s.isvFamilyId().toByteArray()).isEqualTo(Arrays.copyOfRange(b, 304, 320));
      assertThat(s.reportData().toByteArray()).isEqualTo(Arrays.copyOfRange(b, 320, 384));
    }
  }
}
