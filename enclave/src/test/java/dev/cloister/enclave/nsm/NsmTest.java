package dev.cloister.enclave.nsm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.nitro.NitroDocument;
import dev.cloister.attestation.testing.Vectors;
import dev.cloister.enclave.linux.ErrnoException;
import dev.cloister.enclave.linux.FakeDevice;
import dev.cloister.enclave.linux.LinuxDevice;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nsm against a fake nsm driver (drivers/misc/nsm.c: NSM_IOCTL_RAW copies request.len bytes in,
 * refuses more than 4 KiB with EMSGSIZE, copies min(response.len, answer) out and writes that length
 * back) whose NSM answers with CBOR written out here byte by byte, carrying a real attestation
 * document (evervault attestation-doc-validation, beta/valid-attestation-doc-bytes).
 */
@SuppressWarnings("restricted") // the fake driver reads the caller's struct by address
class NsmTest {
  static final long NSM_IOCTL_RAW = 0xC0200A00L; // as gcc computes it from nsm.h
  static final byte[] DOCUMENT = Vectors.read("attestation-doc-validation/test-data/beta/valid-attestation-doc-bytes");

  static final class Driver implements FakeDevice.Driver {
    byte[] answer;
    final List<byte[]> requests = new ArrayList<>();

    @Override
    public void ioctl(FakeDevice dev, long request, MemorySegment arg) throws ErrnoException {
      if (request != NSM_IOCTL_RAW) {
        throw dev.errno(22);
      }
      MemorySegment raw = arg.reinterpret(32);
      long reqLen = raw.get(JAVA_LONG, 8);
      if (reqLen > 0x1000) {
        throw dev.errno(90);
      }
      requests.add(FakeDevice.user(raw.get(JAVA_LONG, 0), reqLen).toArray(JAVA_BYTE));
      long n = Math.min(raw.get(JAVA_LONG, 24), answer.length);
      MemorySegment.copy(answer, 0, FakeDevice.user(raw.get(JAVA_LONG, 16), n), JAVA_BYTE, 0, (int) n);
      raw.set(JAVA_LONG, 24, n);
    }
  }

  static byte[] hex(String h) {
    return HexFormat.of().parseHex(h.replace(" ", ""));
  }

  static byte[] text(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.write(0x60 + b.length);
    o.writeBytes(b);
    return o.toByteArray();
  }

  /** {"Attestation": {"document": h'...'}} as serde_cbor writes Response::Attestation. */
  static byte[] attestationResponse(byte[] document) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.write(0xA1);
    o.writeBytes(text("Attestation"));
    o.write(0xA1);
    o.writeBytes(text("document"));
    o.write(0x59);
    o.write(document.length >> 8);
    o.write(document.length & 0xFF);
    o.writeBytes(document);
    return o.toByteArray();
  }

  static Nsm nsm(Driver d) {
    return new Nsm(new FakeDevice(Path.of("/dev/nsm"), d));
  }

  @Test
  void theRequestIsTheNsmApisCbor() {
    // serde_cbor of Request::Attestation { user_data: Some(b"hello"), nonce: None, public_key: None }:
    // map(1) "Attestation" map(3) "user_data" bytes(5) "nonce" null "public_key" null.
    assertThat(Nsm.request(Optional.of(Octets.copyOf("hello".getBytes(StandardCharsets.US_ASCII))), Optional.empty(), Optional.empty()))
        .isEqualTo(hex("a1 6b 4174746573746174696f6e a3 69 757365725f64617461 45 68656c6c6f 65 6e6f6e6365 f6 6a 7075626c69635f6b6579 f6"));
  }

  @Test
  void attestationReturnsTheDocumentByteForByteAndParsesIt() throws Exception {
    NitroDocument expected = NitroDocument.parse(DOCUMENT);
    Driver d = new Driver();
    d.answer = attestationResponse(DOCUMENT);
    Nsm.Attestation a = nsm(d).attestation(expected.userData(), expected.nonce(), expected.publicKey());
    assertThat(a.document()).isEqualTo(DOCUMENT);
    // PCR0 as INDEX.md records it for this document.
    assertThat(a.parsed().pcrs().get(0).hex()).startsWith("f4d48b81");
    assertThat(d.requests).singleElement().isEqualTo(Nsm.request(expected.userData(), expected.nonce(), expected.publicKey()));
  }

  @Test
  void anErrorResponseIsTyped() {
    Driver d = new Driver();
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.write(0xA1);
    o.writeBytes(text("Error"));
    o.writeBytes(text("InvalidArgument"));
    d.answer = o.toByteArray();
    assertThatThrownBy(() -> nsm(d).attestation(Optional.empty(), Optional.empty(), Optional.empty()))
        .isInstanceOfSatisfying(NsmException.Refused.class, e -> assertThat(e.code()).isEqualTo(NsmErrorCode.INVALID_ARGUMENT))
        .hasMessage("the NSM answered Error: InvalidArgument");
  }

  @Test
  void bytesAfterTheResponseAreRefused() {
    Driver d = new Driver();
    byte[] r = attestationResponse(DOCUMENT);
    d.answer = java.util.Arrays.copyOf(r, r.length + 1); // one 0x00 (the CBOR integer 0) after the map
    assertThatThrownBy(() -> nsm(d).attestation(Optional.empty(), Optional.empty(), Optional.empty()))
        .isInstanceOfSatisfying(NsmException.BadResponse.class, e -> assertThat(e.field()).isEqualTo("response"))
        .hasMessage("response: bytes follow the CBOR response (at offset " + (r.length + 1) + ")");
  }

  @Test
  void aTruncatedResponseIsRefused() {
    Driver d = new Driver();
    byte[] r = attestationResponse(DOCUMENT);
    d.answer = java.util.Arrays.copyOf(r, r.length - 10);
    assertThatThrownBy(() -> nsm(d).attestation(Optional.empty(), Optional.empty(), Optional.empty()))
        .isInstanceOfSatisfying(NsmException.BadResponse.class, e -> assertThat(e.field()).isEqualTo("response"))
        .hasMessageStartingWith("response: not one well-formed CBOR item");
  }

  @Test
  void anotherResponseVariantIsRefused() {
    Driver d = new Driver();
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.write(0xA1);
    o.writeBytes(text("LockPCR"));
    o.write(0xF6);
    d.answer = o.toByteArray();
    assertThatThrownBy(() -> nsm(d).attestation(Optional.empty(), Optional.empty(), Optional.empty()))
        .isInstanceOf(NsmException.BadResponse.class)
        .hasMessage("response: is \"LockPCR\", not an Attestation or Error response");
  }

  @Test
  void aDocumentWithoutTheUserDataAskedForIsRefused() {
    Driver d = new Driver();
    d.answer = attestationResponse(DOCUMENT);
    assertThatThrownBy(() -> nsm(d).attestation(Optional.of(Octets.zeros(48)), Optional.empty(), Optional.empty()))
        .isInstanceOfSatisfying(NsmException.BadResponse.class, e -> assertThat(e.field()).isEqualTo("Attestation.document.user_data"))
        .hasMessage("Attestation.document.user_data: is not the user_data asked for");
  }

  @Test
  void aDocumentTheParserRefusesIsABadResponseNamingItsField() {
    Driver d = new Driver();
    d.answer = attestationResponse(new byte[] {(byte) 0x84, 0x40, (byte) 0xA0, 0x40});
    assertThatThrownBy(() -> nsm(d).attestation(Optional.empty(), Optional.empty(), Optional.empty()))
        .isInstanceOfSatisfying(NsmException.BadResponse.class, e -> assertThat(e.field()).startsWith("Attestation.document."));
  }

  @Test
  void onARealFileThatIsNoNsmDeviceTheKernelSaysEnotty(@TempDir Path dir) throws Exception {
    Path file = Files.write(dir.resolve("nsm"), new byte[8]);
    assertThat(Nsm.present(file)).isFalse();
    try (Nsm n = new Nsm(LinuxDevice.open(file))) {
      assertThatThrownBy(() -> n.attestation(Optional.empty(), Optional.empty(), Optional.empty()))
          .isInstanceOfSatisfying(NsmException.Device.class, e -> assertThat(e.errno()).isEqualTo(25))
          .hasMessageEndingWith("failed: ENOTTY (errno 25) (not an nsm device)");
    }
  }
}
