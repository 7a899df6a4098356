package dev.cloister.attestation.dcap.ccel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.abi.TdReport;
import dev.cloister.attestation.testing.Vectors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * CCEL parsing and RTMR replay with the real GCE COS-113 TD of go-tdx-guest@91f9a52
 * testing/testdata/ccel/ (ccel_data.dat, ccel_table.dat, cos-113-tdx-quote.dat), which upstream's
 * rtmr/ccel_test.go TestReplayCcelWithTdQuote replays to the quote's RTMRs; and Trustee's td-shim
 * log (trustee/deps/verifier/test_data/CCEL_data, zero-padded), which belongs to another TD.
 */
class CcelEventLogTest {
  static final String DIR = "go-tdx-guest/testing/testdata/ccel/";

  static byte[] log() {
    return Vectors.read(DIR + "ccel_data.dat");
  }

  static byte[] table() {
    return Vectors.read(DIR + "ccel_table.dat");
  }

  static TdReport cosQuote() throws Exception {
    return DcapQuote.parse(Vectors.read(DIR + "cos-113-tdx-quote.dat")).tdReport();
  }

  @Test
  void cos113ReplaysToItsQuotesRtmrs() throws Exception {
    CcelEventLog log = CcelEventLog.parse(table(), log());
    TdReport td = cosQuote();
    log.verify(td.rtmrs());
    assertThat(log.replay()).isEqualTo(td.rtmrs());
    assertThat(log.events()).hasSize(43);
    assertThat(List.of(log.extendCount(0), log.extendCount(1), log.extendCount(2), log.extendCount(3))).containsExactly(16, 7, 20, 0);
    assertThat(log.events().getFirst().mrIndex()).isEqualTo(1);
  }

  @Test
  void theCcelTable() throws Exception {
    CcelTable t = CcelTable.parse(table());
    assertThat(t.ccType()).isEqualTo(CcelTable.CC_TYPE_TDX);
    assertThat(t.logAreaMinimumLength()).isEqualTo(262_144);
    assertThat(t.logAreaStart()).isEqualTo(0xbedbf000L);
  }

  @Test
  void badTablesNameTheirField() {
    byte[] sig = table();
    sig[0] = 'X';
    assertField(() -> CcelTable.parse(sig), "ccel_table.signature");
    byte[] sum = table();
    sum[20] ^= 1;
    assertField(() -> CcelTable.parse(sum), "ccel_table.checksum");
    byte[] type = table();
    type[36] = 1; // SEV
    type[9] += 1; // keep the checksum
    assertField(() -> CcelTable.parse(type), "ccel_table.cc_type");
    assertField(() -> CcelTable.parse(Arrays.copyOf(table(), 40)), "ccel_table");
    byte[] longer = Arrays.copyOf(log(), log().length + 1);
    assertField(() -> CcelEventLog.parse(table(), longer), "ccel");
  }

  /** A flipped byte in any event's SHA-384 digest fails the replay, naming that event's RTMR. */
  @Test
  void aFlippedDigestByteNamesTheRtmr() throws Exception {
    byte[] raw = log();
    CcelEventLog good = CcelEventLog.parse(raw);
    TdReport td = cosQuote();
    Random r = new Random(11);
    for (int rtmr = 0; rtmr < 3; rtmr++) {
      int index = rtmr;
      List<CcEvent> events = good.events().stream().filter(e -> e.extended() && e.rtmr() == index).toList();
      CcEvent e = events.get(r.nextInt(events.size()));
      int at = indexOf(raw, e.sha384().toByteArray());
      byte[] bad = raw.clone();
      bad[at + r.nextInt(48)] ^= (byte) (1 << r.nextInt(8));
      CcelEventLog tampered = CcelEventLog.parse(bad);
      assertThatThrownBy(() -> tampered.verify(td.rtmrs())).isInstanceOfSatisfying(VerificationException.class,
          x -> assertThat(x.field()).isEqualTo("ccel.rtmr" + index));
    }
  }

  /** An RTMR the log never extends must be zero; RTMR3 of another quote is not vouched for. */
  @Test
  void anRtmrWithoutEventsMustBeZero() throws Exception {
    CcelEventLog log = CcelEventLog.parse(log());
    List<Octets> rtmrs = new java.util.ArrayList<>(cosQuote().rtmrs());
    rtmrs.set(3, Octets.fromHex("01".repeat(48)));
    assertThatThrownBy(() -> log.verify(rtmrs)).isInstanceOfSatisfying(VerificationException.class,
        x -> assertThat(x.field()).isEqualTo("ccel.rtmr3"));
  }

  /**
   * Cutting the log anywhere inside its events: a cut inside an event is a MalformedEvidenceException
   * naming a ccel field; a cut on an event boundary parses but no longer replays.
   */
  @Test
  void truncatedLogsAreTypedErrors() throws Exception {
    byte[] raw = log();
    int end = logEnd(raw);
    TdReport td = cosQuote();
    Random r = new Random(12);
    int malformed = 0;
    for (int n = 0; n < 300; n++) {
      int cut = r.nextInt(end);
      try {
        CcelEventLog.parse(Arrays.copyOf(raw, cut)).verify(td.rtmrs());
        fail("a log cut at " + cut + " of " + end + " replayed");
      } catch (MalformedEvidenceException e) {
        assertThat(e.field()).startsWith("ccel");
        malformed++;
      } catch (VerificationException e) {
        assertThat(e.field()).startsWith("ccel.rtmr");
      }
    }
    assertThat(malformed).isGreaterThan(250);
    // The log without its padding is complete.
    CcelEventLog.parse(Arrays.copyOf(raw, end)).verify(td.rtmrs());
    assertField(() -> CcelEventLog.parse(new byte[0]), "ccel.spec_id.mr_index");
    assertField(() -> CcelEventLog.parse(Arrays.copyOf(raw, end - 1)), "ccel.event[43].data");
  }

  @Test
  void garbageInThePaddingIsRejected() {
    byte[] raw = log();
    raw[raw.length - 100] = 0x00;
    assertField(() -> CcelEventLog.parse(raw), "ccel.padding");
  }

  @Test
  void anEventOutsideRtmr0To3IsRejected() {
    byte[] raw = log();
    int first = specIdEnd(raw);
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putInt(first, 5);
    assertField(() -> CcelEventLog.parse(raw), "ccel.event[1].mr_index");
  }

  @Test
  void aSpecIdWithoutSha384IsRejected() {
    byte[] raw = log();
    // Spec ID data starts at 32: signature 16, class 4, versions 4, count 4, then (id, size).
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putShort(32 + 28, (short) 0x000B);
    assertField(() -> CcelEventLog.parse(raw), "ccel.spec_id.algorithms");
    byte[] sig = log();
    sig[32] = 's';
    assertField(() -> CcelEventLog.parse(sig), "ccel.spec_id.signature");
  }

  @Test
  void theEventCountIsBounded() {
    // The real Spec ID header, then MAX_EVENTS + 1 minimal events for RTMR0.
    byte[] raw = log();
    int head = specIdEnd(raw);
    int event = 12 + 2 + 48 + 4;
    ByteBuffer b = ByteBuffer.allocate(head + (CcelEventLog.MAX_EVENTS + 1) * event).order(ByteOrder.LITTLE_ENDIAN);
    b.put(raw, 0, head);
    for (int i = 0; i <= CcelEventLog.MAX_EVENTS; i++) {
      b.putInt(1).putInt(0xd).putInt(1).putShort((short) 0x000C).put(new byte[48]).putInt(0);
    }
    assertField(() -> CcelEventLog.parse(b.array()), "ccel");
  }

  @Test
  void tdShimLogParsesButBelongsToAnotherTd() throws Exception {
    CcelEventLog log = CcelEventLog.parse(Vectors.read("trustee/deps/verifier/test_data/CCEL_data"));
    assertThat(log.events()).hasSize(5);
    TdReport other = DcapQuote.parse(Vectors.read("trustee/deps/verifier/test_data/tdx_quote_4.dat")).tdReport();
    assertThatThrownBy(() -> log.verify(other.rtmrs())).isInstanceOfSatisfying(VerificationException.class,
        x -> assertThat(x.field()).isEqualTo("ccel.rtmr0"));
  }

  static int specIdEnd(byte[] raw) {
    return 32 + ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getInt(28);
  }

  /** The end of the last event: the start of the 0xFF padding. */
  static int logEnd(byte[] raw) {
    int end = raw.length;
    while (end > 0 && raw[end - 1] == (byte) 0xFF) {
      end--;
    }
    return end;
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }

  interface Parse {
    Object run() throws AttestationException;
  }

  static void assertField(Parse p, String field) {
    assertThatThrownBy(p::run).isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo(field));
  }
}
