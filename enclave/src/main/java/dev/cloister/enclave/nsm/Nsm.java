package dev.cloister.enclave.nsm;

import static dev.cloister.enclave.nsm.NsmAbi.*;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.nitro.NitroDocument;
import dev.cloister.enclave.linux.ErrnoException;
import dev.cloister.enclave.linux.GuestDevice;
import dev.cloister.enclave.linux.LinuxDevice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;

/**
 * The Nitro Secure Module through {@code /dev/nsm}'s NSM_IOCTL_RAW: a CBOR request in, a CBOR
 * response out, in the shapes of the NSM API ({@code aws-nitro-enclaves-nsm-api}, serde_cbor's
 * externally tagged enums): {@code {"Attestation": {"user_data", "nonce", "public_key"}}} (each a
 * byte string or null) answered by {@code {"Attestation": {"document": bstr}}} or
 * {@code {"Error": "<ErrorCode>"}}. The response is read strictly: one CBOR item, nothing after it,
 * no duplicate keys, no other member.
 */
public final class Nsm implements AutoCloseable {
  public static final Path DEFAULT_PATH = Path.of("/dev/nsm");
  private static final CBORMapper CBOR = CBORMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final long REQ_ADDR = NSM_RAW.byteOffset(PathElement.groupElement("request"), PathElement.groupElement("addr"));
  private static final long REQ_LEN = NSM_RAW.byteOffset(PathElement.groupElement("request"), PathElement.groupElement("len"));
  private static final long RESP_ADDR = NSM_RAW.byteOffset(PathElement.groupElement("response"), PathElement.groupElement("addr"));
  private static final long RESP_LEN = NSM_RAW.byteOffset(PathElement.groupElement("response"), PathElement.groupElement("len"));

  private final GuestDevice device;

  public Nsm(GuestDevice device) {
    this.device = Objects.requireNonNull(device, "device");
  }

  /** Whether {@code dev} is a character device, as the nsm driver creates. */
  public static boolean present(Path dev) {
    return LinuxDevice.isCharacterDevice(dev);
  }

  public static Nsm open(Path dev) throws NsmException {
    try {
      return new Nsm(LinuxDevice.open(dev));
    } catch (ErrnoException e) {
      throw new NsmException.Device(e, e.errno() == ErrnoException.ENOENT ? "not in a Nitro enclave, or the nsm driver is not loaded" : "");
    }
  }

  /** The attestation document the NSM signed, byte for byte, and parsed (not yet verified). */
  public record Attestation(byte[] document, NitroDocument parsed) {
    public Attestation {
      document = document.clone();
    }

    @Override
    public byte[] document() {
      return document.clone();
    }
  }

  /** Asks the NSM for an attestation document carrying these optional fields, and checks it carries exactly them. */
  public Attestation attestation(Optional<Octets> userData, Optional<Octets> nonce, Optional<Octets> publicKey) throws NsmException {
    byte[] document = attestationDocument(request(userData, nonce, publicKey));
    NitroDocument parsed;
    try {
      parsed = NitroDocument.parse(document);
    } catch (MalformedEvidenceException e) {
      throw new NsmException.BadResponse("Attestation.document." + e.field(), e.detail(), e);
    }
    expect("user_data", userData, parsed.userData());
    expect("nonce", nonce, parsed.nonce());
    expect("public_key", publicKey, parsed.publicKey());
    return new Attestation(document, parsed);
  }

  /** The CBOR of {@code Request::Attestation}, field order as the NSM API declares it. */
  static byte[] request(Optional<Octets> userData, Optional<Octets> nonce, Optional<Octets> publicKey) {
    ObjectNode root = CBOR.createObjectNode();
    ObjectNode a = root.putObject("Attestation");
    put(a, "user_data", userData);
    put(a, "nonce", nonce);
    put(a, "public_key", publicKey);
    try {
      return CBOR.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode an NSM request", e);
    }
  }

  private static void put(ObjectNode n, String name, Optional<Octets> v) {
    if (v.isPresent()) {
      n.put(name, v.get().toByteArray());
    } else {
      n.putNull(name);
    }
  }

  private byte[] attestationDocument(byte[] request) throws NsmException {
    if (request.length > NSM_REQUEST_MAX_SIZE) {
      throw new IllegalArgumentException("the NSM request is " + request.length + " bytes; the driver takes at most " + NSM_REQUEST_MAX_SIZE);
    }
    byte[] response;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment req = arena.allocate(request.length);
      MemorySegment.copy(request, 0, req, ValueLayout.JAVA_BYTE, 0, request.length);
      MemorySegment resp = arena.allocate(NSM_RESPONSE_MAX_SIZE);
      MemorySegment raw = arena.allocate(NSM_RAW);
      raw.set(ValueLayout.JAVA_LONG, REQ_ADDR, req.address());
      raw.set(ValueLayout.JAVA_LONG, REQ_LEN, request.length);
      raw.set(ValueLayout.JAVA_LONG, RESP_ADDR, resp.address());
      raw.set(ValueLayout.JAVA_LONG, RESP_LEN, NSM_RESPONSE_MAX_SIZE);
      try {
        device.ioctl("NSM_IOCTL_RAW", NSM_IOCTL_RAW, raw);
      } catch (ErrnoException e) {
        throw new NsmException.Device(e, switch (e.errno()) {
          case ErrnoException.EMSGSIZE -> "the request is larger than the driver takes";
          case ErrnoException.EINVAL -> "not an nsm device";
          case ErrnoException.ENOTTY -> "not an nsm device";
          default -> "";
        });
      }
      // The driver writes back how much of the buffer it filled: min(buffer, the NSM's answer).
      long len = raw.get(ValueLayout.JAVA_LONG, RESP_LEN);
      if (len <= 0 || len > NSM_RESPONSE_MAX_SIZE) {
        throw new NsmException.BadResponse("nsm_raw.response.len", "is " + len + ", outside 1.." + NSM_RESPONSE_MAX_SIZE, null);
      }
      response = resp.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE);
    }
    return document(response);
  }

  /** Reads {@code Response::Attestation} or {@code Response::Error}; anything else is a typed bad response. */
  static byte[] document(byte[] response) throws NsmException {
    JsonNode root;
    try (JsonParser p = CBOR.createParser(response)) {
      root = p.readValueAsTree();
      if (root == null) {
        throw new NsmException.BadResponse("response", "empty", null);
      }
      if (p.nextToken() != null) {
        throw new NsmException.BadResponse("response", "bytes follow the CBOR response (at offset " + p.currentLocation().getByteOffset() + ")", null);
      }
    } catch (JacksonException e) {
      throw new NsmException.BadResponse("response", "not one well-formed CBOR item: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new NsmException.BadResponse("response", "unreadable: " + e.getMessage(), e);
    }
    String variant = onlyMember(root, "response");
    JsonNode body = root.get(variant);
    switch (variant) {
      case "Attestation" -> {
        if (!"document".equals(onlyMember(body, "Attestation"))) {
          throw new NsmException.BadResponse("Attestation", "has no document", null);
        }
        JsonNode d = body.get("document");
        if (!d.isBinary()) {
          throw new NsmException.BadResponse("Attestation.document", "is not a byte string", null);
        }
        try {
          return d.binaryValue();
        } catch (IOException e) {
          throw new NsmException.BadResponse("Attestation.document", "unreadable", e);
        }
      }
      case "Error" -> {
        if (!body.isTextual()) {
          throw new NsmException.BadResponse("Error", "is not an error code name", null);
        }
        throw new NsmException.Refused(NsmErrorCode.of(body.asText())
            .orElseThrow(() -> new NsmException.BadResponse("Error", "unknown error code " + quoted(body.asText()), null)));
      }
      default -> throw new NsmException.BadResponse("response", "is " + quoted(variant) + ", not an Attestation or Error response", null);
    }
  }

  private static String onlyMember(JsonNode n, String field) throws NsmException {
    if (n == null || !n.isObject() || n.size() != 1) {
      throw new NsmException.BadResponse(field, "is not a map of exactly one member", null);
    }
    Iterator<String> names = n.fieldNames();
    return names.next();
  }

  private static String quoted(String s) {
    // The NSM's text is not trusted: keep it short and printable in messages.
    String t = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    return "\"" + t.replaceAll("[^\\x20-\\x7e]", "?") + "\"";
  }

  private static void expect(String field, Optional<Octets> asked, Optional<Octets> got) throws NsmException {
    if (!asked.equals(got)) {
      throw new NsmException.BadResponse("Attestation.document." + field, asked.isPresent() ? "is not the " + field + " asked for" : "is set though none was asked for", null);
    }
  }

  @Override
  public void close() {
    device.close();
  }

  @Override
  public String toString() {
    return "Nsm[" + device.path() + "]";
  }
}
