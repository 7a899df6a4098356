package dev.cloister.attestation.snp.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.testing.Vectors;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CertTableTest {
  /** Built outside Cloister from go-sev-guest's Milan VCEK, ASK and ARK (see go-sev-guest/PROVENANCE). */
  static final String TABLE = "go-sev-guest/_derived/cert_table_milan.bin";

  static List<byte[]> milanAskArk() throws Exception {
    return CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(Vectors.read("go-sev-guest/verify/trust/ask_ark_milan.pem"))).stream()
        .map(c -> {
          try {
            return ((X509Certificate) c).getEncoded();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }).toList();
  }

  @Test
  void readsTheVcekAskAndArkOfAHostTable() throws Exception {
    CertTable t = CertTable.parse(Vectors.read(TABLE));
    List<byte[]> askArk = milanAskArk();
    assertThat(t.entries()).hasSize(3);
    assertThat(t.get(CertTable.Kind.VCEK)).hasValueSatisfying(v -> assertThat(v).isEqualTo(Vectors.read("go-sev-guest/verify/testdata/vcek.testcer")));
    assertThat(t.get(CertTable.Kind.ASK)).hasValueSatisfying(v -> assertThat(v).isEqualTo(askArk.get(0)));
    assertThat(t.get(CertTable.Kind.ARK)).hasValueSatisfying(v -> assertThat(v).isEqualTo(askArk.get(1)));
    assertThat(t.get(CertTable.Kind.VLEK)).isEmpty();
    // The GUIDs as the GHCB specification spells them, read in RFC 4122 byte order.
    assertThat(t.entries().get(0).guid()).isEqualTo(UUID.fromString("63da758d-e664-4564-adc5-f4b93be8accd"));
    assertThat(t.entries().get(2).guid()).isEqualTo(UUID.fromString("c0b406a4-a803-4952-9743-3fb6014cd0ae"));
  }

  @Test
  void encodesTheLayoutAHostWrites() throws Exception {
    byte[] blob = Vectors.read(TABLE);
    byte[] encoded = CertTable.parse(blob).encode();
    // The derived table is the encoding followed by zero padding to a page multiple.
    assertThat(encoded).isEqualTo(Arrays.copyOf(blob, 4772));
  }

  @Test
  void anEmptyAuxblobIsAnEmptyTable() throws Exception {
    assertThat(CertTable.parse(new byte[0]).entries()).isEmpty();
    assertThat(CertTable.parse(new byte[CertTable.ENTRY_SIZE]).entries()).isEmpty();
  }

  @Test
  void refusesMalformedTablesNamingTheEntry() {
    byte[] good = Vectors.read(TABLE);
    byte[] noTerminator = Arrays.copyOf(good, 3 * CertTable.ENTRY_SIZE);
    assertThatThrownBy(() -> CertTable.parse(noTerminator)).isInstanceOf(MalformedEvidenceException.class)
        .hasMessage("cert_table: no all-zero terminating entry within 72 bytes");
    byte[] outside = good.clone();
    outside[16 + CertTable.ENTRY_SIZE] = (byte) 0xF0; // ASK's offset low byte
    outside[17 + CertTable.ENTRY_SIZE] = (byte) 0xFF;
    assertThatThrownBy(() -> CertTable.parse(outside)).isInstanceOf(MalformedEvidenceException.class)
        .hasMessageStartingWith("cert_table.entry[1]: offset 65520 length 1677 not within the certificate data [96, 8192)");
    byte[] intoHeader = good.clone();
    intoHeader[16] = 0; // VCEK's offset 0x60 -> 0: the entries themselves
    assertThatThrownBy(() -> CertTable.parse(intoHeader)).hasMessageStartingWith("cert_table.entry[0]: offset 0 length 1360 not within");
    byte[] twice = good.clone();
    System.arraycopy(HexFormat.of().parseHex("63da758de6644564adc5f4b93be8accd"), 0, twice, CertTable.ENTRY_SIZE, 16);
    assertThatThrownBy(() -> CertTable.parse(twice)).hasMessage("cert_table.entry[1]: VCEK listed more than once");
    byte[] empty = good.clone();
    Arrays.fill(empty, 20, 24, (byte) 0);
    assertThatThrownBy(() -> CertTable.parse(empty)).hasMessage("cert_table.entry[0]: zero length");
  }
}
