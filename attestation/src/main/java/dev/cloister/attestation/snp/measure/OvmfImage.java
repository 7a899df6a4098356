package dev.cloister.attestation.snp.measure;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An OVMF firmware image (or its tail: the tables live in the last 4 KiB), mapped to end at 4 GiB:
 * the GUIDed footer table just before the last 32 bytes, and the SEV metadata it points to (edk2
 * {@code OvmfSevMetadata.asm}: "ASEV", version 1, sections of GPA, size and type).
 */
final class OvmfImage {
  static final long FOUR_GB = 0x1_0000_0000L;
  static final String FOOTER_GUID = "96b582de-1fb2-45f7-baea-a366c55a082d";
  static final String SEV_HASH_TABLE_RV_GUID = "7255371f-3a3b-4b04-927b-1da6efa8d454";
  static final String SEV_ES_RESET_BLOCK_GUID = "00f771de-1a7e-4fcb-890e-68c77e2fb44e";
  static final String SEV_METADATA_GUID = "dc886566-984a-4798-a75e-5585a7bf67cc";
  static final String SVSM_INFO_GUID = "a789a612-0597-4c4b-a49f-cbb1fe9d1ddd";
  private static final int ENTRY_HEADER = 18; // u16 size + 16-byte GUID

  /** The SEV metadata section types. */
  enum SectionType {
    SNP_SEC_MEM(1), SNP_SECRETS(2), CPUID(3), SVSM_CAA(4), SNP_KERNEL_HASHES(0x10);

    final int code;

    SectionType(int code) {
      this.code = code;
    }

    static SectionType of(int code) throws MeasurementException {
      for (SectionType t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      throw new MeasurementException("ovmf.metadata", "unknown SEV metadata section type " + code);
    }
  }

  record Section(long gpa, long size, SectionType type) {}

  private final byte[] data;
  private final long end;
  private final Map<String, byte[]> table = new HashMap<>();
  private final List<Section> sections = new ArrayList<>();

  OvmfImage(byte[] data) throws MeasurementException {
    this(data, FOUR_GB);
  }

  /** An image mapped to end at {@code end} (an SVSM sits below the firmware and its variables). */
  OvmfImage(byte[] data, long end) throws MeasurementException {
    this.end = end;
    if (data.length < 64 || data.length % LaunchDigest.PAGE != 0) {
      throw new MeasurementException("ovmf", "firmware size must be a non-zero multiple of 4096 bytes, got " + data.length);
    }
    this.data = data.clone();
    parseFooterTable();
    parseMetadata();
  }

  byte[] data() {
    return data.clone();
  }

  long gpa() {
    return end - data.length;
  }

  List<Section> sections() {
    return sections;
  }

  boolean hasSection(SectionType t) {
    return sections.stream().anyMatch(s -> s.type() == t);
  }

  long sevEsResetEip() throws MeasurementException {
    return u32(entry(SEV_ES_RESET_BLOCK_GUID, "SEV_ES_RESET_BLOCK"), 0);
  }

  /** An SVSM image's entry point: the SVSM_INFO offset from the image's start. */
  long svsmEntry() throws MeasurementException {
    return u32(entry(SVSM_INFO_GUID, "SVSM_INFO"), 0) + gpa();
  }

  /**
   * Whether the firmware reserves a place for QEMU's hashes table (a SEV_HASH_TABLE_RV entry with a
   * non-zero address): without it, SEV and SEV-ES cannot measure a kernel.
   */
  boolean supportsSevHashesTable() {
    byte[] e = table.get(SEV_HASH_TABLE_RV_GUID);
    return e != null && e.length >= 4 && u32(e, 0) != 0;
  }

  long sevHashesTableGpa() throws MeasurementException {
    return u32(entry(SEV_HASH_TABLE_RV_GUID, "SEV_HASH_TABLE_RV"), 0);
  }

  private byte[] entry(String guid, String what) throws MeasurementException {
    byte[] e = table.get(guid);
    if (e == null || e.length < 4) {
      throw new MeasurementException("ovmf.table", "no " + what + " entry in the OVMF footer table");
    }
    return e;
  }

  private static long u32(byte[] b, int off) {
    return ByteBuffer.wrap(b, off, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
  }

  private void parseFooterTable() throws MeasurementException {
    int start = data.length - 32 - ENTRY_HEADER;
    int footerSize = ByteBuffer.wrap(data, start, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
    if (!Arrays.equals(Arrays.copyOfRange(data, start + 2, start + ENTRY_HEADER), Guids.le(FOOTER_GUID))) {
      return; // no table: an image without SEV support
    }
    int tableSize = footerSize - ENTRY_HEADER;
    if (tableSize < 0 || tableSize > start) {
      throw new MeasurementException("ovmf.table", "footer table size " + footerSize + " is out of range");
    }
    int end = start;
    int begin = start - tableSize;
    while (end - begin >= ENTRY_HEADER) {
      int size = ByteBuffer.wrap(data, end - ENTRY_HEADER, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
      if (size < ENTRY_HEADER || size > end - begin) {
        throw new MeasurementException("ovmf.table", "invalid table entry size " + size);
      }
      String guid = Guids.string(Arrays.copyOfRange(data, end - 16, end));
      table.put(guid, Arrays.copyOfRange(data, end - size, end - ENTRY_HEADER));
      end -= size;
    }
  }

  private void parseMetadata() throws MeasurementException {
    byte[] e = table.get(SEV_METADATA_GUID);
    if (e == null) {
      return;
    }
    long offsetFromEnd = u32(e, 0);
    long start = data.length - offsetFromEnd;
    if (offsetFromEnd < 16 || start < 0) {
      throw new MeasurementException("ovmf.metadata", "metadata offset out of range");
    }
    ByteBuffer h = ByteBuffer.wrap(data, (int) start, 16).order(ByteOrder.LITTLE_ENDIAN);
    byte[] sig = new byte[4];
    h.get(sig);
    long size = h.getInt() & 0xFFFFFFFFL;
    long version = h.getInt() & 0xFFFFFFFFL;
    long items = h.getInt() & 0xFFFFFFFFL;
    if (!Arrays.equals(sig, "ASEV".getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
      throw new MeasurementException("ovmf.metadata", "wrong SEV metadata signature");
    }
    if (version != 1) {
      throw new MeasurementException("ovmf.metadata", "unsupported SEV metadata version " + version);
    }
    if (start + 16 + items * 12 > data.length || 16 + items * 12 > size) {
      throw new MeasurementException("ovmf.metadata", items + " sections do not fit the metadata");
    }
    ByteBuffer b = ByteBuffer.wrap(data, (int) start + 16, (int) items * 12).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < items; i++) {
      long gpa = b.getInt() & 0xFFFFFFFFL;
      long len = b.getInt() & 0xFFFFFFFFL;
      sections.add(new Section(gpa, len, SectionType.of(b.getInt())));
    }
  }
}
