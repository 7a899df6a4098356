package dev.cloister.attestation.dcap.ccel;

import dev.cloister.attestation.MalformedEvidenceException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The ACPI CCEL table that points at a TD's event log (Intel TDX GHCI 1.5, "CC Event Log ACPI
 * Table"; UEFI 2.10 / ACPI 6.5): the 36-byte ACPI header, then CC type (u8 at 36, 2 = TDX), CC
 * subtype (u8 at 37), 2 reserved bytes, the log area minimum length LAML (u64 at 40) and the log
 * area start address LASA (u64 at 48), 56 bytes in all. The ACPI checksum makes all bytes sum to 0.
 */
public record CcelTable(int ccType, int ccSubtype, long logAreaMinimumLength, long logAreaStart) {
  public static final int CC_TYPE_TDX = 2;
  static final int SIZE = 56;

  public static CcelTable parse(byte[] t) throws MalformedEvidenceException {
    if (t.length < SIZE || t.length > 4096) {
      throw new MalformedEvidenceException("ccel_table", "must be " + SIZE + " bytes (at most 4096), got " + t.length);
    }
    if (!"CCEL".equals(new String(t, 0, 4, StandardCharsets.US_ASCII))) {
      throw new MalformedEvidenceException("ccel_table.signature", "is not 'CCEL'");
    }
    ByteBuffer b = ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN);
    long length = b.getInt(4) & 0xFFFF_FFFFL;
    if (length != t.length) {
      throw new MalformedEvidenceException("ccel_table.length", "header says " + length + " bytes, table has " + t.length);
    }
    int sum = 0;
    for (byte x : t) {
      sum += x;
    }
    if ((sum & 0xFF) != 0) {
      throw new MalformedEvidenceException("ccel_table.checksum", "bytes do not sum to zero");
    }
    int ccType = t[36] & 0xFF;
    if (ccType != CC_TYPE_TDX) {
      throw new MalformedEvidenceException("ccel_table.cc_type", "must be " + CC_TYPE_TDX + " (TDX), got " + ccType);
    }
    long laml = b.getLong(40);
    if (laml <= 0 || laml > CcelEventLog.MAX_SIZE) {
      throw new MalformedEvidenceException("ccel_table.laml", "log area length " + Long.toUnsignedString(laml) + " is outside 1.." + CcelEventLog.MAX_SIZE);
    }
    return new CcelTable(ccType, t[37] & 0xFF, laml, b.getLong(48));
  }
}
