package dev.cloister.attestation.dcap.ccel;

import dev.cloister.attestation.Octets;
import java.util.Objects;

/**
 * One event of a CC event log, as logged (TCG_PCR_EVENT2). Nothing in it is trusted until the log
 * replays to RTMRs from a verified quote; even then only the digests are bound, and the data only
 * as far as the event type defines a digest over it.
 *
 * @param sequence position in the log, 1 for the first event after the Spec ID header
 * @param mrIndex CC measurement register index: 0 MRTD, 1..4 RTMR0..3
 * @param eventType TCG event type (untrusted: not covered by the digest)
 * @param sha384 the SHA-384 digest extended into the RTMR
 * @param data the event data
 */
public record CcEvent(int sequence, int mrIndex, long eventType, Octets sha384, Octets data) {
  /** EV_NO_ACTION: informational, never extended. */
  public static final long EV_NO_ACTION = 0x3;

  public CcEvent {
    Objects.requireNonNull(sha384, "sha384");
    Objects.requireNonNull(data, "data");
    if (mrIndex < 0 || mrIndex > CcelEventLog.RTMRS || (mrIndex == 0 && eventType != EV_NO_ACTION)) {
      throw new IllegalArgumentException("an extended event needs MR index 1..4 (RTMR0..3), got " + mrIndex);
    }
    if (sha384.length() != 48) {
      throw new IllegalArgumentException("a SHA-384 digest is 48 bytes, got " + sha384.length());
    }
  }

  /** True when the event is extended into an RTMR (every type but EV_NO_ACTION). */
  public boolean extended() {
    return eventType != EV_NO_ACTION;
  }

  /** The RTMR this event extends, 0..3 ({@code mrIndex - 1}). */
  public int rtmr() {
    return mrIndex - 1;
  }
}
