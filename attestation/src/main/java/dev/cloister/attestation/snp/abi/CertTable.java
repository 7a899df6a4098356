package dev.cloister.attestation.snp.abi;

import dev.cloister.attestation.MalformedEvidenceException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The certificate table the host returns with an extended SEV-SNP report (GHCB specification,
 * AMD publication 56421, section 4.1.8.1 MSG_REPORT_REQ), as {@code SNP_GET_EXT_REPORT} fills its
 * certificate buffer and configfs-tsm's {@code auxblob} carries it for the {@code sev_guest}
 * provider: entries of {@code {guid[16], offset u32 LE, length u32 LE}} ended by an all-zero entry,
 * each offset counted from the start of the table, the certificates (DER) after the entries.
 *
 * <p>The GUID's sixteen bytes are its RFC 4122 text read left to right, as AMD's own guest tools
 * ({@code uuid_parse}) and virtee/sev write them, not the mixed-endian EFI form.
 *
 * <p>Read strictly, because a certificate here decides which key the report is checked with: an
 * entry pointing outside the blob or into the entries, a zero-length entry, a table with no
 * terminator, or a known certificate type listed twice is an error naming the entry. GUIDs this
 * class does not know are kept, not dropped, so a caller can see what the host attached.
 */
public record CertTable(List<Entry> entries) {
  /** The size of one entry, the terminator's too. */
  public static final int ENTRY_SIZE = 24;

  /** The certificate types the GHCB specification names. */
  public enum Kind {
    VCEK("63da758d-e664-4564-adc5-f4b93be8accd"),
    VLEK("a8074bc2-a25a-483e-aae6-39c045a0b8a1"),
    ASK("4ab7b379-bbac-4fe4-a02f-05aef327c782"),
    ARK("c0b406a4-a803-4952-9743-3fb6014cd0ae"),
    CRL("92f81bc3-5811-4d3d-97ff-d19f88dc67ea");

    private final UUID guid;

    Kind(String guid) {
      this.guid = UUID.fromString(guid);
    }

    public UUID guid() {
      return guid;
    }

    static Optional<Kind> of(UUID guid) {
      return Arrays.stream(values()).filter(k -> k.guid.equals(guid)).findFirst();
    }
  }

  /** One certificate (or CRL) and the GUID it was listed under. */
  public record Entry(UUID guid, byte[] data) {
    public Entry {
      Objects.requireNonNull(guid, "guid");
      data = data.clone();
    }

    public Entry(Kind kind, byte[] data) {
      this(kind.guid(), data);
    }

    @Override
    public byte[] data() {
      return data.clone();
    }

    /** The type, when the GUID is one the specification names. */
    public Optional<Kind> kind() {
      return Kind.of(guid);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Entry e && e.guid.equals(guid) && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
      return guid.hashCode() * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return kind().map(Enum::name).orElse(guid.toString()) + "[" + data.length + " bytes]";
    }
  }

  public CertTable {
    entries = List.copyOf(entries);
  }

  /** The certificate of {@code kind}, if the table lists one. */
  public Optional<byte[]> get(Kind kind) {
    return entries.stream().filter(e -> e.kind().orElse(null) == kind).findFirst().map(Entry::data);
  }

  /**
   * Parses a table. An empty blob is an empty table (a host with no certificates to give); trailing
   * bytes after the last certificate, which hosts leave in a page-sized buffer, are ignored.
   */
  public static CertTable parse(byte[] blob) throws MalformedEvidenceException {
    Objects.requireNonNull(blob, "blob");
    if (blob.length == 0) {
      return new CertTable(List.of());
    }
    ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
    record Raw(UUID guid, long offset, long length) {}
    List<Raw> raws = new ArrayList<>();
    int at = 0;
    while (true) {
      if (at + ENTRY_SIZE > blob.length) {
        throw new MalformedEvidenceException("cert_table", "no all-zero terminating entry within " + blob.length + " bytes");
      }
      UUID guid = new UUID(b.order(ByteOrder.BIG_ENDIAN).getLong(at), b.getLong(at + 8));
      b.order(ByteOrder.LITTLE_ENDIAN);
      long offset = Integer.toUnsignedLong(b.getInt(at + 16));
      long length = Integer.toUnsignedLong(b.getInt(at + 20));
      at += ENTRY_SIZE;
      if (guid.getMostSignificantBits() == 0 && guid.getLeastSignificantBits() == 0) {
        if (offset != 0 || length != 0) {
          throw new MalformedEvidenceException("cert_table.entry[" + raws.size() + "]", "zero GUID with a non-zero offset or length");
        }
        break;
      }
      raws.add(new Raw(guid, offset, length));
    }
    int headerEnd = at;
    List<Entry> entries = new ArrayList<>();
    Set<Kind> seen = EnumSet.noneOf(Kind.class);
    for (int i = 0; i < raws.size(); i++) {
      Raw r = raws.get(i);
      String field = "cert_table.entry[" + i + "]";
      if (r.length() == 0) {
        throw new MalformedEvidenceException(field, "zero length");
      }
      if (r.offset() < headerEnd || r.offset() + r.length() > blob.length) {
        throw new MalformedEvidenceException(field, "offset " + r.offset() + " length " + r.length() + " not within the certificate data ["
            + headerEnd + ", " + blob.length + ")");
      }
      Optional<Kind> kind = Kind.of(r.guid());
      if (kind.isPresent() && !seen.add(kind.get())) {
        throw new MalformedEvidenceException(field, kind.get() + " listed more than once");
      }
      entries.add(new Entry(r.guid(), Arrays.copyOfRange(blob, (int) r.offset(), (int) (r.offset() + r.length()))));
    }
    return new CertTable(entries);
  }

  /** The table as a host writes it: entries in order, the terminator, then each certificate. */
  public byte[] encode() {
    int headerEnd = (entries.size() + 1) * ENTRY_SIZE;
    int size = headerEnd + entries.stream().mapToInt(e -> e.data.length).sum();
    ByteBuffer b = ByteBuffer.allocate(size);
    int offset = headerEnd;
    for (Entry e : entries) {
      b.order(ByteOrder.BIG_ENDIAN).putLong(e.guid.getMostSignificantBits()).putLong(e.guid.getLeastSignificantBits());
      b.order(ByteOrder.LITTLE_ENDIAN).putInt(offset).putInt(e.data.length);
      offset += e.data.length;
    }
    b.put(new byte[ENTRY_SIZE]);
    for (Entry e : entries) {
      b.put(e.data);
    }
    return b.array();
  }
}
