package dev.cloister.attestation.snp.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.testing.Vectors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The GHCB certificate table, written out by hand per the spec and filled with the real Milan VCEK. */
class SnpCertTableTest {
  static final byte[] VCEK = Vectors.read("go-sev-guest/verify/testdata/vcek.testcer");

  /** Header of two entries (VCEK, ARK-sized blob) and a terminator: 72 bytes, then the blobs. */
  static byte[] table(int vcekOffset, int vcekLength) {
    byte[] ark = new byte[100];
    ByteBuffer b = ByteBuffer.allocate(72 + VCEK.length + ark.length + 4096).order(ByteOrder.LITTLE_ENDIAN);
    b.put(HexFormat.of().parseHex("63da758de6644564adc5f4b93be8accd")).putInt(vcekOffset).putInt(vcekLength);
    b.put(HexFormat.of().parseHex("c0b406a4a80349529743" + "3fb6014cd0ae")).putInt(72 + VCEK.length).putInt(ark.length);
    b.position(72);
    b.put(VCEK).put(ark);
    return b.array(); // zero padding after the blobs, as the driver's page-sized buffer has
  }

  @Test
  void readsTheEntriesByTheirSpecGuids() throws Exception {
    SnpCertTable t = SnpCertTable.parse(table(72, VCEK.length));
    assertThat(t.entries()).extracting(SnpCertTable.Entry::name).containsExactly("VCEK", "ARK");
    assertThat(t.get(SnpCertTable.VCEK)).contains(Octets.copyOf(VCEK));
    assertThat(t.get(SnpCertTable.ARK)).contains(Octets.zeros(100));
    assertThat(t.get(SnpCertTable.ASK)).isEmpty();
    assertThat(SnpCertTable.VCEK).isEqualTo(UUID.fromString("63da758d-e664-4564-adc5-f4b93be8accd"));
  }

  @Test
  void encodeWritesTheSameLayout() throws Exception {
    SnpCertTable t = SnpCertTable.parse(table(72, VCEK.length));
    byte[] written = t.encode();
    assertThat(written).isEqualTo(java.util.Arrays.copyOf(table(72, VCEK.length), 72 + VCEK.length + 100));
  }

  @Test
  void anEmptyOrZeroedBufferIsAnEmptyTable() throws Exception {
    assertThat(SnpCertTable.parse(new byte[0]).entries()).isEmpty();
    assertThat(SnpCertTable.parse(new byte[4096]).entries()).isEmpty();
  }

  @Test
  void anEntryOutsideTheBlobIsMalformed() {
    assertThatThrownBy(() -> SnpCertTable.parse(table(72, 1 << 20)))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("cert_table.entry[0].length"))
        .hasMessageContaining("run past the blob");
  }

  @Test
  void anEntryInsideTheTableIsMalformed() {
    assertThatThrownBy(() -> SnpCertTable.parse(table(24, VCEK.length)))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("cert_table.entry[0].offset"))
        .hasMessage("cert_table.entry[0].offset: offset 24 lies inside the table (which ends at 72)");
  }

  @Test
  void aRepeatedGuidIsMalformed() {
    byte[] b = table(72, VCEK.length);
    System.arraycopy(b, 0, b, 24, 16); // the second entry also says VCEK
    assertThatThrownBy(() -> SnpCertTable.parse(b))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("cert_table.entry[1].guid"))
        .hasMessage("cert_table.entry[1].guid: 63da758d-e664-4564-adc5-f4b93be8accd appears twice");
  }

  @Test
  void aTableWithoutTerminatorIsMalformed() {
    byte[] b = java.util.Arrays.copyOf(table(72, VCEK.length), 60);
    assertThatThrownBy(() -> SnpCertTable.parse(b))
        .isInstanceOfSatisfying(MalformedEvidenceException.class, e -> assertThat(e.field()).isEqualTo("cert_table"))
        .hasMessage("cert_table: no terminating all-zero entry within its 60 bytes");
  }

  @Test
  void toStringNamesEntriesNotBytes() throws Exception {
    assertThat(SnpCertTable.parse(table(72, VCEK.length)).toString()).isEqualTo("SnpCertTable[VCEK(" + VCEK.length + " B), ARK(100 B)]");
  }
}
