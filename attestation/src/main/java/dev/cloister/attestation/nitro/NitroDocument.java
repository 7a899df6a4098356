package dev.cloister.attestation.nitro;

import com.authlete.cbor.CBORByteArray;
import com.authlete.cbor.CBORDecoder;
import com.authlete.cbor.CBORItem;
import com.authlete.cbor.CBORPairList;
import com.authlete.cose.COSEException;
import com.authlete.cose.COSESign1;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A Nitro Enclaves attestation document: a COSE_Sign1 whose payload is a CBOR map of module ID,
 * digest algorithm, timestamp, PCRs, the signing certificate and its CA bundle, and the optional
 * public key, user data and nonce (AWS "Nitro Enclaves attestation process"). Parsing checks
 * structure and types only; {@link NitroVerifier} establishes authenticity.
 */
public record NitroDocument(
    COSESign1 cose,
    String moduleId,
    String digest,
    Instant timestamp,
    SortedMap<Integer, Octets> pcrs,
    X509Certificate certificate,
    List<X509Certificate> cabundle,
    Optional<Octets> publicKey,
    Optional<Octets> userData,
    Optional<Octets> nonce) {

  public NitroDocument {
    pcrs = Collections.unmodifiableSortedMap(new TreeMap<>(pcrs));
    cabundle = List.copyOf(cabundle);
  }

  /** Real documents are a few KiB (up to ~17 KiB inside certificates); anything far larger is refused unread. */
  static final int MAX_SIZE = 256 * 1024;

  /** RFC 9052 table 1: the CBOR tag of a COSE_Sign1 message. */
  static final long COSE_SIGN1_TAG = 18;

  public static NitroDocument parse(byte[] bytes) throws MalformedEvidenceException {
    if (bytes.length > MAX_SIZE) {
      throw new MalformedEvidenceException("nitro", "larger than " + MAX_SIZE + " bytes");
    }
    CBORItem item;
    try {
      CBORDecoder decoder = new CBORDecoder(untagged(bytes));
      item = decoder.next();
      if (item == null || decoder.next() != null) {
        throw new MalformedEvidenceException("nitro", "must be exactly one CBOR item");
      }
    } catch (IOException | RuntimeException e) {
      throw new MalformedEvidenceException("nitro.cose", "not a COSE_Sign1 structure");
    }
    COSESign1 sign1;
    try {
      sign1 = COSESign1.build(item);
    } catch (COSEException | RuntimeException e) {
      throw new MalformedEvidenceException("nitro.cose", "not a COSE_Sign1 structure");
    }
    Object alg = sign1.getProtectedHeader().getAlg();
    if (!(alg instanceof Number n) || n.intValue() != -35) {
      throw new MalformedEvidenceException("nitro.cose.alg", "must be ES384 (-35), got " + alg);
    }
    if (!(sign1.getPayload() instanceof CBORByteArray payloadBytes)) {
      throw new MalformedEvidenceException("nitro.payload", "must be a byte string");
    }
    Map<Object, Object> p;
    try {
      CBORDecoder d = new CBORDecoder(payloadBytes.getValue());
      CBORItem payload = d.next();
      if (!(payload instanceof CBORPairList map) || d.next() != null) {
        throw new MalformedEvidenceException("nitro.payload", "must be one CBOR map");
      }
      p = map.parse();
    } catch (IOException | RuntimeException e) {
      throw new MalformedEvidenceException("nitro.payload", "does not decode as CBOR");
    }
    String moduleId = text(p, "module_id");
    String digest = text(p, "digest");
    if (!digest.equals("SHA384")) {
      throw new MalformedEvidenceException("nitro.digest", "must be SHA384, got " + digest);
    }
    long ts = number(p, "timestamp");
    if (!(p.get("pcrs") instanceof Map<?, ?> rawPcrs) || rawPcrs.isEmpty() || rawPcrs.size() > 32) {
      throw new MalformedEvidenceException("nitro.pcrs", "must be a map of 1 to 32 PCRs");
    }
    SortedMap<Integer, Octets> pcrs = new TreeMap<>();
    for (var e : rawPcrs.entrySet()) {
      if (!(e.getKey() instanceof Number idx) || idx.intValue() < 0 || idx.intValue() > 31
          || !(e.getValue() instanceof byte[] v) || (v.length != 32 && v.length != 48 && v.length != 64)) {
        throw new MalformedEvidenceException("nitro.pcrs", "entries must be index 0..31 to a 32, 48 or 64-byte value");
      }
      pcrs.put(idx.intValue(), Octets.copyOf(v));
    }
    X509Certificate cert = certificate(bytes(p, "certificate"), "nitro.certificate");
    if (!(p.get("cabundle") instanceof List<?> bundle) || bundle.isEmpty()) {
      throw new MalformedEvidenceException("nitro.cabundle", "must be a non-empty list");
    }
    List<X509Certificate> cas = new ArrayList<>();
    for (int i = 0; i < bundle.size(); i++) {
      if (!(bundle.get(i) instanceof byte[] der)) {
        throw new MalformedEvidenceException("nitro.cabundle[" + i + "]", "must be a byte string");
      }
      cas.add(certificate(der, "nitro.cabundle[" + i + "]"));
    }
    return new NitroDocument(sign1, moduleId, digest, Instant.ofEpochMilli(ts), pcrs, cert, cas,
        optionalBytes(p, "public_key"), optionalBytes(p, "user_data"), optionalBytes(p, "nonce"));
  }

  /**
   * RFC 9052 section 2: a COSE_Sign1 may be sent tagged (18) or untagged (the NSM sends it
   * untagged). One tag 18 is the same message; any other tag, or a second tag, names a different
   * or ambiguous structure, so it is refused rather than unwrapped. Read from the CBOR header
   * bytes (RFC 8949 section 3) so the decoder's own tag handling never decides it.
   */
  private static byte[] untagged(byte[] bytes) throws MalformedEvidenceException {
    if (bytes.length == 0 || !isTag(bytes[0])) {
      return bytes;
    }
    int[] header = new int[1];
    long tag = tagNumber(bytes, 0, header);
    if (tag != COSE_SIGN1_TAG) {
      throw new MalformedEvidenceException("nitro.cose.tag", "CBOR tag " + Long.toUnsignedString(tag) + " is not the COSE_Sign1 tag (18)");
    }
    if (header[0] < bytes.length && isTag(bytes[header[0]])) {
      long inner = tagNumber(bytes, header[0], new int[1]);
      throw new MalformedEvidenceException("nitro.cose.tag",
          "the COSE_Sign1 tag (18) must appear once; it wraps another tag (" + Long.toUnsignedString(inner) + ")");
    }
    return Arrays.copyOfRange(bytes, header[0], bytes.length);
  }

  /** Major type 6 (RFC 8949 section 3.4). */
  private static boolean isTag(byte b) {
    return (b & 0xFF) >>> 5 == 6;
  }

  /** The tag number of the tag header at {@code at}; {@code end[0]} is set to the offset after it. */
  private static long tagNumber(byte[] b, int at, int[] end) throws MalformedEvidenceException {
    int info = b[at] & 0x1F;
    int length = info < 24 ? 0 : info <= 27 ? 1 << (info - 24) : -1;
    if (length < 0 || at + 1 + length > b.length) {
      throw new MalformedEvidenceException("nitro.cose.tag", "malformed CBOR tag header");
    }
    long n = length == 0 ? info : 0;
    for (int i = 0; i < length; i++) {
      n = n << 8 | (b[at + 1 + i] & 0xFF);
    }
    end[0] = at + 1 + length;
    return n;
  }

  /** Debug enclaves report PCR0, PCR1 and PCR2 as all zeros. */
  public boolean debugMode() {
    for (int i = 0; i <= 2; i++) {
      Octets v = pcrs.get(i);
      if (v == null || !v.isAllZero()) {
        return false;
      }
    }
    return true;
  }

  private static String text(Map<Object, Object> p, String k) throws MalformedEvidenceException {
    if (!(p.get(k) instanceof String s) || s.isEmpty()) {
      throw new MalformedEvidenceException("nitro." + k, "must be a non-empty text string");
    }
    return s;
  }

  private static long number(Map<Object, Object> p, String k) throws MalformedEvidenceException {
    if (!(p.get(k) instanceof Number n) || n.longValue() < 0) {
      throw new MalformedEvidenceException("nitro." + k, "must be a non-negative integer");
    }
    return n.longValue();
  }

  private static byte[] bytes(Map<Object, Object> p, String k) throws MalformedEvidenceException {
    if (!(p.get(k) instanceof byte[] b)) {
      throw new MalformedEvidenceException("nitro." + k, "must be a byte string");
    }
    return b;
  }

  private static Optional<Octets> optionalBytes(Map<Object, Object> p, String k) throws MalformedEvidenceException {
    Object v = p.get(k);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof byte[] b)) {
      throw new MalformedEvidenceException("nitro." + k, "must be a byte string or null");
    }
    return Optional.of(Octets.copyOf(b));
  }

  private static X509Certificate certificate(byte[] der, String field) throws MalformedEvidenceException {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (GeneralSecurityException e) {
      throw new MalformedEvidenceException(field, "not an X.509 certificate");
    }
  }
}
