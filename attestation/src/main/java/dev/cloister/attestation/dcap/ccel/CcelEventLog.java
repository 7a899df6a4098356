package dev.cloister.attestation.dcap.ccel;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.VerificationException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A TDX CC event log: the TCG crypto-agile format (TCG PC Client Platform Firmware Profile 1.05,
 * §10.2; TCG EFI Protocol spec §5.2) whose PCR index is a CC measurement register index (1..4 =
 * RTMR0..3). The log opens with one SHA-1 format event, EV_NO_ACTION, carrying the "Spec ID
 * Event03" structure that lists the digest algorithms and their sizes; every later event is
 * TCG_PCR_EVENT2: u32 MR index, u32 type, u32 digest count, (u16 algorithm, digest) per digest, u32
 * data size, data. The log area is padded to its reserved size with 0xFF (TDVF) or 0x00 (td-shim).
 *
 * <p>Parsing is bounded ({@link #MAX_SIZE}, {@link #MAX_EVENTS}) and every length is checked
 * against what remains; anything else is a {@link MalformedEvidenceException} naming the event and
 * field. {@link #verify} replays the log (extend: {@code RTMR = SHA-384(RTMR || digest)}, from 48
 * zero bytes) and compares all four RTMRs with a verified quote's.
 */
public record CcelEventLog(List<CcEvent> events) {
  /** Larger than any real log area (TDVF reserves 64 KiB-256 KiB; td-shim 1 MiB). */
  public static final int MAX_SIZE = 16 * 1024 * 1024;
  public static final int MAX_EVENTS = 65_536;
  public static final int RTMRS = 4;
  static final int ALG_SHA384 = 0x000C;
  private static final byte[] SPEC_ID = "Spec ID Event03\0".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_ALGORITHMS = 8;

  public CcelEventLog {
    events = List.copyOf(events);
  }

  /** Parses the log area after checking it against its ACPI CCEL table (the log must fit its LAML). */
  public static CcelEventLog parse(byte[] table, byte[] log) throws MalformedEvidenceException {
    CcelTable t = CcelTable.parse(table);
    if (log.length > t.logAreaMinimumLength()) {
      throw new MalformedEvidenceException("ccel", log.length + " bytes exceed the table's log area of " + t.logAreaMinimumLength());
    }
    return parse(log);
  }

  /** Parses a log area (padding included or not). */
  public static CcelEventLog parse(byte[] log) throws MalformedEvidenceException {
    if (log.length > MAX_SIZE) {
      throw new MalformedEvidenceException("ccel", "larger than " + MAX_SIZE + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(log).order(ByteOrder.LITTLE_ENDIAN);
    Map<Integer, Integer> algorithms = specIdHeader(b);
    List<CcEvent> events = new ArrayList<>();
    while (b.hasRemaining() && !padding(b)) {
      int seq = events.size() + 1;
      if (seq > MAX_EVENTS) {
        throw new MalformedEvidenceException("ccel", "more than " + MAX_EVENTS + " events");
      }
      String at = "ccel.event[" + seq + "]";
      int mrIndex = u32(b, at + ".mr_index");
      long type = u32(b, at + ".type") & 0xFFFF_FFFFL;
      if (mrIndex < 0 || mrIndex > RTMRS || (mrIndex == 0 && type != CcEvent.EV_NO_ACTION)) {
        throw new MalformedEvidenceException(at + ".mr_index", "must be 1..4 (RTMR0..3), got " + Integer.toUnsignedString(mrIndex));
      }
      int count = u32(b, at + ".digests.count");
      if (count < 1 || count > algorithms.size()) {
        throw new MalformedEvidenceException(at + ".digests.count", "must be 1.." + algorithms.size() + ", got " + Integer.toUnsignedString(count));
      }
      Octets sha384 = null;
      for (int i = 0; i < count; i++) {
        int alg = u16(b, at + ".digests[" + i + "].algorithm");
        Integer size = algorithms.get(alg);
        if (size == null) {
          throw new MalformedEvidenceException(at + ".digests[" + i + "].algorithm", String.format("0x%04x is not in the Spec ID event", alg));
        }
        byte[] d = take(b, size, at + ".digests[" + i + "]");
        if (alg == ALG_SHA384) {
          if (sha384 != null) {
            throw new MalformedEvidenceException(at + ".digests[" + i + "]", "a second SHA-384 digest");
          }
          sha384 = Octets.copyOf(d);
        }
      }
      if (sha384 == null) {
        throw new MalformedEvidenceException(at + ".digests", "no SHA-384 digest");
      }
      int size = u32(b, at + ".data_size");
      byte[] data = take(b, size, at + ".data");
      events.add(new CcEvent(seq, mrIndex, type, sha384, Octets.copyOf(data)));
    }
    return new CcelEventLog(events);
  }

  /** RTMR0..3 as the log's extends compute them, from 48 zero bytes each. */
  public List<Octets> replay() {
    byte[][] rtmr = new byte[RTMRS][48];
    MessageDigest sha384 = sha384();
    for (CcEvent e : events) {
      if (e.extended()) {
        sha384.update(rtmr[e.rtmr()]);
        sha384.update(e.sha384().toByteArray());
        rtmr[e.rtmr()] = sha384.digest();
      }
    }
    List<Octets> out = new ArrayList<>();
    for (byte[] r : rtmr) {
      out.add(Octets.copyOf(r));
    }
    return List.copyOf(out);
  }

  /** How many events extend RTMR{@code index} (0..3). */
  public int extendCount(int index) {
    return (int) events.stream().filter(e -> e.extended() && e.rtmr() == index).count();
  }

  /** A summary for claims: event count in all and per RTMR. */
  public Map<String, Object> summary() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("events", events.size());
    Map<String, Object> per = new LinkedHashMap<>();
    for (int i = 0; i < RTMRS; i++) {
      per.put("rtmr" + i, extendCount(i));
    }
    m.put("extends_per_rtmr", per);
    return m;
  }

  /**
   * Replays the log and compares every RTMR with {@code quoteRtmrs} (RTMR0..3 of a verified quote).
   * An RTMR the log never extends must still be zero: a register extended outside this log (e.g.
   * RTMR3 by a runtime) is not vouched for by it, so it fails here rather than pass unexplained.
   *
   * @throws VerificationException naming the first RTMR that differs, e.g. {@code ccel.rtmr2}
   */
  public void verify(List<Octets> quoteRtmrs) throws VerificationException {
    if (quoteRtmrs.size() != RTMRS) {
      throw new IllegalArgumentException("a TD report has " + RTMRS + " RTMRs");
    }
    List<Octets> replayed = replay();
    for (int i = 0; i < RTMRS; i++) {
      if (!replayed.get(i).equals(quoteRtmrs.get(i))) {
        throw new VerificationException("ccel.rtmr" + i,
            extendCount(i) + " logged extends replay to " + replayed.get(i).hex() + ", the quote has " + quoteRtmrs.get(i).hex());
      }
    }
  }

  /** The leading SHA-1 format event holding "Spec ID Event03"; returns algorithm id to digest size. */
  private static Map<Integer, Integer> specIdHeader(ByteBuffer b) throws MalformedEvidenceException {
    String at = "ccel.spec_id";
    u32(b, at + ".mr_index");
    long type = u32(b, at + ".type") & 0xFFFF_FFFFL;
    if (type != CcEvent.EV_NO_ACTION) {
      throw new MalformedEvidenceException(at + ".type", "the first event must be EV_NO_ACTION, got 0x" + Long.toHexString(type));
    }
    take(b, 20, at + ".digest");
    int size = u32(b, at + ".data_size");
    ByteBuffer s = ByteBuffer.wrap(take(b, size, at + ".data")).order(ByteOrder.LITTLE_ENDIAN);
    byte[] sig = take(s, 16, at + ".signature");
    if (!Arrays.equals(sig, SPEC_ID)) {
      throw new MalformedEvidenceException(at + ".signature", "is not \"Spec ID Event03\" (only crypto-agile logs are supported)");
    }
    u32(s, at + ".platform_class");
    int minor = u8(s, at + ".version_minor");
    int major = u8(s, at + ".version_major");
    if (major != 2 || minor != 0) {
      throw new MalformedEvidenceException(at + ".version", "must be 2.0, got " + major + "." + minor);
    }
    u8(s, at + ".errata");
    u8(s, at + ".uintn_size");
    int n = u32(s, at + ".number_of_algorithms");
    if (n < 1 || n > MAX_ALGORITHMS) {
      throw new MalformedEvidenceException(at + ".number_of_algorithms", "must be 1.." + MAX_ALGORITHMS + ", got " + Integer.toUnsignedString(n));
    }
    Map<Integer, Integer> algs = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      int id = u16(s, at + ".algorithms[" + i + "].id");
      int digestSize = u16(s, at + ".algorithms[" + i + "].digest_size");
      if (digestSize < 1 || digestSize > 64 || algs.put(id, digestSize) != null) {
        throw new MalformedEvidenceException(at + ".algorithms[" + i + "]", "duplicate algorithm or digest size " + digestSize + " outside 1..64");
      }
    }
    Integer sha384 = algs.get(ALG_SHA384);
    if (sha384 == null || sha384 != 48) {
      throw new MalformedEvidenceException(at + ".algorithms", "no SHA-384 (0x000c, 48 bytes): RTMRs cannot be replayed");
    }
    int vendor = u8(s, at + ".vendor_info_size");
    if (s.remaining() != vendor) {
      throw new MalformedEvidenceException(at + ".vendor_info_size", "says " + vendor + " bytes, " + s.remaining() + " remain");
    }
    return algs;
  }

  /**
   * True at the start of the trailing padding: an event header of 0xFFFFFFFF or eight zero bytes
   * (no real event has MR index 0 and type 0). Then the rest must all be that padding byte.
   */
  private static boolean padding(ByteBuffer b) throws MalformedEvidenceException {
    int p = b.position();
    int head = Math.min(b.remaining(), 8);
    byte fill = b.get(p);
    if (fill != 0 && fill != (byte) 0xFF) {
      return false;
    }
    int needed = fill == 0 ? head : Math.min(head, 4);
    for (int i = 0; i < needed; i++) {
      if (b.get(p + i) != fill) {
        return false;
      }
    }
    for (int i = p; i < b.limit(); i++) {
      if (b.get(i) != fill) {
        throw new MalformedEvidenceException("ccel.padding", String.format("non-padding byte at offset %d after the end of the log", i));
      }
    }
    b.position(b.limit());
    return true;
  }

  private static int u32(ByteBuffer b, String field) throws MalformedEvidenceException {
    need(b, 4, field);
    return b.getInt();
  }

  private static int u16(ByteBuffer b, String field) throws MalformedEvidenceException {
    need(b, 2, field);
    return b.getShort() & 0xFFFF;
  }

  private static int u8(ByteBuffer b, String field) throws MalformedEvidenceException {
    need(b, 1, field);
    return b.get() & 0xFF;
  }

  private static byte[] take(ByteBuffer b, int n, String field) throws MalformedEvidenceException {
    if (n < 0 || n > b.remaining()) {
      throw new MalformedEvidenceException(field, "needs " + Integer.toUnsignedString(n) + " bytes, " + b.remaining() + " remain (truncated log)");
    }
    byte[] out = new byte[n];
    b.get(out);
    return out;
  }

  private static void need(ByteBuffer b, int n, String field) throws MalformedEvidenceException {
    if (b.remaining() < n) {
      throw new MalformedEvidenceException(field, "truncated log: needs " + n + " bytes, " + b.remaining() + " remain");
    }
  }

  private static MessageDigest sha384() {
    try {
      return MessageDigest.getInstance("SHA-384");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-384 is mandatory in every JDK", e);
    }
  }
}
