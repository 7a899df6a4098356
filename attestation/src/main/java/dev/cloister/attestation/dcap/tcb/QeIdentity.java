package dev.cloister.attestation.dcap.tcb;

import static dev.cloister.attestation.dcap.tcb.CollateralJson.advisories;
import static dev.cloister.attestation.dcap.tcb.CollateralJson.array;
import static dev.cloister.attestation.dcap.tcb.CollateralJson.hex;
import static dev.cloister.attestation.dcap.tcb.CollateralJson.instant;
import static dev.cloister.attestation.dcap.tcb.CollateralJson.integer;
import static dev.cloister.attestation.dcap.tcb.CollateralJson.object;
import static dev.cloister.attestation.dcap.tcb.CollateralJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Intel's identity of its quoting enclave ({@code QE} for SGX, {@code TD_QE} for TDX), read from the
 * exact bytes Intel signed; levels kept highest ISVSVN first.
 */
public record QeIdentity(
    String id,
    int version,
    Instant issueDate,
    Instant nextUpdate,
    Octets miscselect,
    Octets miscselectMask,
    Octets attributes,
    Octets attributesMask,
    Octets mrsigner,
    int isvProdId,
    List<Level> tcbLevels) {

  public static final String QE = "QE";
  public static final String TD_QE = "TD_QE";

  public record Level(int isvSvn, Instant tcbDate, TcbStatus status, List<String> advisoryIds) {
    public Level {
      advisoryIds = List.copyOf(advisoryIds);
    }
  }

  public QeIdentity {
    tcbLevels = List.copyOf(tcbLevels);
  }

  /** @param signed the exact bytes covered by Intel's signature */
  public static QeIdentity parse(byte[] signed) throws MalformedEvidenceException {
    String f = "qe_identity";
    JsonNode n = CollateralJson.read(signed, f);
    String id = text(n, "id", f);
    int version = integer(n, "version", 1000, f);
    if (!(QE.equals(id) || TD_QE.equals(id)) || version != 2) {
      throw new MalformedEvidenceException(f + ".version", "unsupported identity " + id + " version " + version + " (supported: QE and TD_QE version 2)");
    }
    List<Level> levels = new ArrayList<>();
    List<JsonNode> raw = array(n, "tcbLevels", f);
    if (raw.isEmpty()) {
      throw new MalformedEvidenceException(f + ".tcbLevels", "empty");
    }
    for (int i = 0; i < raw.size(); i++) {
      String g = f + ".tcbLevels[" + i + "]";
      JsonNode l = raw.get(i);
      TcbStatus s = TcbStatus.parse(g + ".tcbStatus", text(l, "tcbStatus", g));
      if (s != TcbStatus.UP_TO_DATE && s != TcbStatus.OUT_OF_DATE && s != TcbStatus.REVOKED) {
        throw new MalformedEvidenceException(g + ".tcbStatus", "a QE level is UpToDate, OutOfDate or Revoked, not " + s);
      }
      levels.add(new Level(integer(object(l, "tcb", g), "isvsvn", 0xFFFF, g + ".tcb"), instant(l, "tcbDate", g), s, advisories(l, g)));
    }
    levels.sort(Comparator.comparingInt(Level::isvSvn).reversed());
    return new QeIdentity(id, version, instant(n, "issueDate", f), instant(n, "nextUpdate", f), hex(n, "miscselect", 4, f), hex(n, "miscselectMask", 4, f),
        hex(n, "attributes", 16, f), hex(n, "attributesMask", 16, f), hex(n, "mrsigner", 32, f), integer(n, "isvprodid", 0xFFFF, f), levels);
  }
}
