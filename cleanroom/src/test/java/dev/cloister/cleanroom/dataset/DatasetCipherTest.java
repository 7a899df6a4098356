package dev.cloister.cleanroom.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DatasetCipherTest {
  static final String TAMPERED_A = "dataset 'hospital-a' does not decrypt: wrong key or name, or the ciphertext was changed or truncated";

  static byte[] encrypt(DataKey key, String name, byte[] plain) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DatasetCipher.encrypt(key, name, new ByteArrayInputStream(plain), out, n -> {});
    return out.toByteArray();
  }

  static byte[] decrypt(DataKey key, String name, byte[] ct) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DatasetCipher.decrypt(key, name, new ByteArrayInputStream(ct), out, n -> {});
    return out.toByteArray();
  }

  static byte[] readAll(DataKey key, String name, byte[] ct) throws Exception {
    return DatasetCipher.decrypting(key, name, new ByteArrayInputStream(ct)).readAllBytes();
  }

  @Test
  void theDecryptingStreamGivesThePlaintextAndReportsTamperingAndTruncationAsSuch() throws Exception {
    byte[] plain = new byte[65_536 * 3 + 5];
    new Random(3).nextBytes(plain);
    DataKey key = DataKey.generate();
    byte[] ct = encrypt(key, "hospital-a", plain);
    assertThat(readAll(key, "hospital-a", ct)).isEqualTo(plain);
    byte[] flipped = ct.clone();
    flipped[flipped.length / 2] ^= 1;
    assertThatThrownBy(() -> readAll(key, "hospital-a", flipped)).isInstanceOf(DatasetCipher.TamperedStreamException.class)
        .hasMessageContaining("hospital-a");
    // Truncation at a segment boundary is caught only at the end of the stream: readers must read to the end.
    byte[] truncated = Arrays.copyOf(ct, 65_536 * 2);
    assertThatThrownBy(() -> readAll(key, "hospital-a", truncated)).isInstanceOf(DatasetCipher.TamperedStreamException.class);
    assertThatThrownBy(() -> readAll(key, "hospital-b", ct)).isInstanceOf(DatasetCipher.TamperedStreamException.class);
  }

  static IntStream sizes() {
    return IntStream.of(0, 1, 65_535, 65_536 * 3 + 17, 1_000_003);
  }

  @ParameterizedTest
  @MethodSource("sizes")
  void roundTripsAnySize(int size) throws Exception {
    byte[] plain = new byte[size];
    new Random(size).nextBytes(plain);
    DataKey key = DataKey.generate();
    byte[] ct = encrypt(key, "hospital-a", plain);
    assertThat(decrypt(key, "hospital-a", ct)).isEqualTo(plain);
    assertThat(DatasetCipher.sha256(new ByteArrayInputStream(ct))).hasSize(64);
  }

  @Test
  void anyChangedByteTruncationWrongNameOrWrongKeyIsDetected() throws Exception {
    byte[] plain = new byte[200_000];
    new Random(7).nextBytes(plain);
    DataKey key = DataKey.generate();
    byte[] ct = encrypt(key, "hospital-a", plain);
    Random r = new Random(11);
    for (int i = 0; i < 40; i++) {
      byte[] bad = ct.clone();
      bad[r.nextInt(bad.length)] ^= (byte) (1 << r.nextInt(8));
      assertThatThrownBy(() -> decrypt(key, "hospital-a", bad)).isInstanceOf(DatasetCipher.TamperedException.class).hasMessage(TAMPERED_A);
    }
    for (int cut : new int[] {ct.length - 1, ct.length - 16, 65_536 * 2, 100}) {
      byte[] truncated = Arrays.copyOf(ct, cut);
      assertThatThrownBy(() -> decrypt(key, "hospital-a", truncated)).isInstanceOf(DatasetCipher.TamperedException.class).hasMessage(TAMPERED_A);
    }
    assertThatThrownBy(() -> decrypt(key, "hospital-b", ct)).isInstanceOf(DatasetCipher.TamperedException.class)
        .hasMessageContaining("hospital-b");
    assertThatThrownBy(() -> decrypt(DataKey.generate(), "hospital-a", ct)).isInstanceOf(DatasetCipher.TamperedException.class).hasMessage(TAMPERED_A);
  }

  @Test
  void keysExportOnlyThroughTheAccessTokenAndNeverPrint() throws Exception {
    DataKey key = DataKey.generate();
    assertThat(key.toString()).isEqualTo("DataKey[redacted]");
    DataKey again = DataKey.fromBytes(key.toBytes(DataKey.exportAccess()), DataKey.exportAccess());
    byte[] ct = encrypt(key, "x", "rows".getBytes());
    assertThat(decrypt(again, "x", ct)).isEqualTo("rows".getBytes());
    assertThatThrownBy(() -> key.toBytes(null)).isInstanceOf(NullPointerException.class);
  }
}
