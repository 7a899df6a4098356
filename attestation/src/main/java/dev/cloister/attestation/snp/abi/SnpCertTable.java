package dev.cloister.attestation.snp.abi;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The certificate table the host returns with an extended report (SEV-SNP GHCB specification,
 * "SNP Extended Guest Request", certificate table): entries of a 16-byte GUID, a 32-bit offset and
 * a 32-bit length (little endian), ended by an all-zero entry; each offset counts from the start
 * of the table. Linux passes it unchanged as {@code SNP_GET_EXT_REPORT}'s certificate buffer and as
 * configfs-tsm's {@code auxblob}. GUIDs are in RFC 4122 byte order, as AMD's reference tools
 * ({@code uuid_parse}), virtee/sev and go-sev-guest read them.
 *
 * <p>Parsing is strict: every entry must lie inside the blob and after the table, and a GUID may
 * appear once; a table that breaks this is malformed, because a certificate silently skipped or
 * taken twice could change which VEK the verifier sees.
 */
public record SnpCertTable(List<Entry> entries) {
  public static final UUID VCEK = UUID.fromString("63da758d-e664-4564-adc5-f4b93be8accd");
  public static final UUID VLEK = UUID.fromString("a8074bc2-a25a-483e-aae6-39c045a0b8a1");
  public static final UUID ASK = UUID.fromString("4ab7b379-bbac-4fe4-a02f-05aef327c782");
  public static final UUID ARK = UUID.fromString("c0b406a4-a803-4952-9743-3fb6014cd0ae");
  /** virtee/sev's GUID for a CRL entry. */
  public static final UUID CRL = UUID.fromString("92f81bc3-5811-4d3d-97ff-d19f88dc67ea");
  public static final int ENTRY_SIZE = 24;

  /** One certificate (or other blob) and the GUID that names it. */
  public record Entry(UUID guid, Octets data) {
    /** VCEK, VLEK, ASK, ARK or CRL for the GUIDs the GHCB spec names, otherwise the GUID. */
    public String name() {
      if (guid.equals(VCEK)) return "VCEK";
      if (guid.equals(VLEK)) return "VLEK";
      if (guid.equals(ASK)) return "ASK";
      if (guid.equals(ARK)) return "ARK";
      if (guid.equals(CRL)) return "CRL";
      return guid.toString();
    }
  }

  public SnpCertTable {
    entries = List.copyOf(entries);
  }

  /**
   * Parses a table. An empty blob, or one whose first entry is the terminator, is an empty table
   * (a host that supplies no certificates leaves the buffer zeroed).
   */
  public static SnpCertTable parse(byte[] blob) throws MalformedEvidenceException {
    ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
    List<int[]> raw = new ArrayList<>();
    List<UUID> guids = new ArrayList<>();
    if (blob.length == 0) {
      return new SnpCertTable(List.of());
    }
    int at = 0;
    while (true) {
      if (at + ENTRY_SIZE > blob.length) {
        throw new MalformedEvidenceException("cert_table", "no terminating all-zero entry within its " + blob.length + " bytes");
      }
      UUID guid = new UUID(b.order(ByteOrder.BIG_ENDIAN).getLong(at), b.getLong(at + 8));
      b.order(ByteOrder.LITTLE_ENDIAN);
      long offset = Integer.toUnsignedLong(b.getInt(at + 16));
      long length = Integer.toUnsignedLong(b.getInt(at + 20));
      if (guid.getMostSignificantBits() == 0 && guid.getLeastSignificantBits() == 0) {
        if (offset != 0 || length != 0) {
          throw new MalformedEvidenceException("cert_table.entry[" + raw.size() + "]", "a zero GUID with a non-zero offset or length");
        }
        break;
      }
      raw.add(new int[] {(int) offset, (int) length});
      guids.add(guid);
      at += ENTRY_SIZE;
    }
    int tableEnd = at + ENTRY_SIZE;
    Set<UUID> seen = new HashSet<>();
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      String field = "cert_table.entry[" + i + "]";
      long offset = Integer.toUnsignedLong(raw.get(i)[0]);
      long length = Integer.toUnsignedLong(raw.get(i)[1]);
      if (!seen.add(guids.get(i))) {
        throw new MalformedEvidenceException(field + ".guid", guids.get(i) + " appears twice");
      }
      if (length == 0) {
        throw new MalformedEvidenceException(field + ".length", "an entry of 0 bytes");
      }
      if (offset < tableEnd) {
        throw new MalformedEvidenceException(field + ".offset", "offset " + offset + " lies inside the table (which ends at " + tableEnd + ")");
      }
      if (offset + length > blob.length) {
        throw new MalformedEvidenceException(field + ".length", "bytes " + offset + ".." + (offset + length) + " run past the blob's " + blob.length);
      }
      entries.add(new Entry(guids.get(i), Octets.copyOfRange(blob, (int) offset, (int) (offset + length))));
    }
    return new SnpCertTable(entries);
  }

  /** The entry with this GUID. */
  public Optional<Octets> get(UUID guid) {
    return entries.stream().filter(e -> e.guid().equals(guid)).map(Entry::data).findFirst();
  }

  /** The table's bytes: entries, terminator, then each blob in order, unpadded. */
  public byte[] encode() {
    int tableEnd = (entries.size() + 1) * ENTRY_SIZE;
    int total = tableEnd + entries.stream().mapToInt(e -> e.data().length()).sum();
    ByteBuffer b = ByteBuffer.allocate(total);
    int offset = tableEnd;
    for (Entry e : entries) {
      b.order(ByteOrder.BIG_ENDIAN).putLong(e.guid().getMostSignificantBits()).putLong(e.guid().getLeastSignificantBits());
      b.order(ByteOrder.LITTLE_ENDIAN).putInt(offset).putInt(e.data().length());
      offset += e.data().length();
    }
    b.position(tableEnd);
    for (Entry e : entries) {
      b.put(e.data().toByteArray());
    }
    return b.array();
  }

  @Override
  public String toString() {
    return "SnpCertTable" + entries.stream().map(e -> e.name() + "(" + e.data().length() + " B)").toList();
  }
}
