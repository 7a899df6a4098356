package dev.cloister.enclave.vtpm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The TPM 2.0 commands the Azure vTPM attester needs (TPM 2.0 Library, Part 3), marshalled as Part 2
 * defines their structures (big-endian): TPM2_GetCapability (one fixed property), TPM2_NV_ReadPublic,
 * TPM2_NV_Read, TPM2_ReadPublic, TPM2_Quote and TPM2_PCR_Read. Commands that need authorisation use
 * one password session (TPM_RS_PW) with the empty password, as Azure's vTPM and the kernel's
 * resource manager expect. Every response is checked whole: header size, tag, response code, the
 * parameter area's size, and no byte after the last structure.
 */
public final class Tpm implements AutoCloseable {
  static final int ST_NO_SESSIONS = 0x8001;
  static final int ST_SESSIONS = 0x8002;
  static final int RS_PW = 0x40000009;
  public static final int RH_OWNER = 0x40000001;

  static final int CC_NV_READ = 0x0000014E;
  static final int CC_QUOTE = 0x00000158;
  static final int CC_NV_READ_PUBLIC = 0x00000169;
  static final int CC_READ_PUBLIC = 0x00000173;
  static final int CC_GET_CAPABILITY = 0x0000017A;
  static final int CC_PCR_READ = 0x0000017E;

  public static final int ALG_RSA = 0x0001;
  public static final int ALG_SHA256 = 0x000B;
  public static final int ALG_NULL = 0x0010;
  public static final int ALG_RSASSA = 0x0014;
  public static final int ALG_RSAPSS = 0x0016;
  public static final int ALG_ECDSA = 0x0018;
  public static final int ALG_ECDAA = 0x001A;
  public static final int ALG_ECC = 0x0023;
  static final int ALG_RSAES = 0x0015;

  static final int CAP_TPM_PROPERTIES = 6;
  /** TPM_PT_FIXED + 44: the largest buffer TPM2_NV_Read returns. */
  public static final int PT_NV_BUFFER_MAX = 0x100 + 44;

  /** TPMA_OBJECT: restricted (bit 16) and sign (bit 18), what an attestation key is. */
  public static final int OBJECT_RESTRICTED = 1 << 16;
  public static final int OBJECT_SIGN = 1 << 18;

  /** The SHA-256 bank's PCRs (0..23), as Azure's vTPM and PC client TPMs have them. */
  public static final int PCR_COUNT = 24;

  private final TpmTransport transport;

  public Tpm(TpmTransport transport) {
    this.transport = Objects.requireNonNull(transport, "transport");
  }

  // ---- the commands ----

  /**
   * TPM2_GetCapability(TPM_CAP_TPM_PROPERTIES) of one fixed property.
   *
   * @throws TpmException.Malformed if the TPM does not report that property
   */
  public int fixedProperty(int property) throws IOException, TpmException {
    String name = "TPM2_GetCapability";
    Command c = new Command(ST_NO_SESSIONS, CC_GET_CAPABILITY).u32(CAP_TPM_PROPERTIES).u32(property).u32(1);
    Response r = send(name, c);
    r.u8(); // moreData: more properties follow the one asked for, which do not matter here
    if (r.u32() != CAP_TPM_PROPERTIES) {
      throw new TpmException.Malformed(name, "capability is not TPM_CAP_TPM_PROPERTIES");
    }
    int count = r.u32();
    if (count < 0 || count > 256) {
      throw new TpmException.Malformed(name, "property count " + Integer.toUnsignedString(count));
    }
    Integer value = null;
    for (int i = 0; i < count; i++) {
      int p = r.u32();
      int v = r.u32();
      if (p == property) {
        value = v;
      }
    }
    r.end();
    if (value == null) {
      // A TPM answers with the next property it has when it lacks the one asked for.
      throw new TpmException.Malformed(name, String.format("property 0x%x not reported", property));
    }
    return value;
  }

  /** TPM_PT_NV_BUFFER_MAX: how many bytes one TPM2_NV_Read may return. */
  public int nvBufferMax() throws IOException, TpmException {
    int max = fixedProperty(PT_NV_BUFFER_MAX);
    if (max <= 0 || max > TpmTransport.MAX_RESPONSE) {
      throw new TpmException.Malformed("TPM2_GetCapability", "TPM_PT_NV_BUFFER_MAX " + Integer.toUnsignedString(max) + " out of range");
    }
    return max;
  }

  /** An NV index's public area (TPMS_NV_PUBLIC, Part 2, 13.5). */
  public record NvPublic(int index, int nameAlg, int attributes, int dataSize) {
    public static final int OWNERREAD = 1 << 17;
    public static final int AUTHREAD = 1 << 18;
    public static final int READLOCKED = 1 << 28;
    public static final int WRITTEN = 1 << 29;

    public boolean has(int attribute) {
      return (attributes & attribute) != 0;
    }
  }

  /** TPM2_NV_ReadPublic. */
  public NvPublic nvReadPublic(int index) throws IOException, TpmException {
    String name = "TPM2_NV_ReadPublic";
    Response r = send(name, new Command(ST_NO_SESSIONS, CC_NV_READ_PUBLIC).u32(index));
    Response pub = r.sized("nvPublic");
    int nvIndex = pub.u32();
    int nameAlg = pub.u16();
    int attributes = pub.u32();
    pub.tpm2b("authPolicy", 64);
    int dataSize = pub.u16();
    pub.end();
    r.tpm2b("nvName", 2 + 64);
    r.end();
    if (nvIndex != index) {
      throw new TpmException.Malformed(name, String.format("describes index 0x%08x, not 0x%08x", nvIndex, index));
    }
    return new NvPublic(nvIndex, nameAlg, attributes, dataSize);
  }

  /** One TPM2_NV_Read of {@code size} bytes at {@code offset}, authorised by {@code authHandle} with the empty password. */
  public byte[] nvRead(int authHandle, int index, int size, int offset) throws IOException, TpmException {
    String name = "TPM2_NV_Read";
    Command c = new Command(ST_SESSIONS, CC_NV_READ).u32(authHandle).u32(index).passwordSession().u16(size).u16(offset);
    Response r = send(name, c);
    byte[] data = r.tpm2b("data", size);
    r.end();
    if (data.length != size) {
      throw new TpmException.Malformed(name, "returned " + data.length + " bytes, " + size + " asked for");
    }
    return data;
  }

  /**
   * The whole of an NV index, read in chunks of TPM_PT_NV_BUFFER_MAX, authorised by the owner when
   * the index allows owner reads (Azure's HCL report index does), else by the index itself.
   */
  public byte[] nvReadAll(int index) throws IOException, TpmException {
    NvPublic pub = nvReadPublic(index);
    String name = String.format("TPM2_NV_Read of 0x%08x", index);
    if (!pub.has(NvPublic.WRITTEN)) {
      throw new TpmException.Unsuitable(name, "index has never been written (TPMA_NV_WRITTEN clear)");
    }
    if (pub.has(NvPublic.READLOCKED)) {
      throw new TpmException.Unsuitable(name, "index is read-locked (TPMA_NV_READLOCKED)");
    }
    int auth;
    if (pub.has(NvPublic.OWNERREAD)) {
      auth = RH_OWNER;
    } else if (pub.has(NvPublic.AUTHREAD)) {
      auth = index;
    } else {
      throw new TpmException.Unsuitable(name, String.format("index allows neither owner nor auth reads (attributes 0x%08x)", pub.attributes()));
    }
    int chunk = nvBufferMax();
    byte[] out = new byte[pub.dataSize()];
    for (int offset = 0; offset < out.length; offset += chunk) {
      int n = Math.min(chunk, out.length - offset);
      System.arraycopy(nvRead(auth, index, n, offset), 0, out, offset, n);
    }
    return out;
  }

  /** An object's public area, as far as a signing key's is needed: its type, attributes, signing scheme and key. */
  public record KeyPublic(int type, int nameAlg, int attributes, int scheme, int schemeHash, PublicKey key) {
    public boolean restrictedSigningKey() {
      return (attributes & (OBJECT_RESTRICTED | OBJECT_SIGN)) == (OBJECT_RESTRICTED | OBJECT_SIGN);
    }
  }

  /** TPM2_ReadPublic of an RSA or ECC key. */
  public KeyPublic readPublic(int handle) throws IOException, TpmException {
    String name = "TPM2_ReadPublic";
    Response r = send(name, new Command(ST_NO_SESSIONS, CC_READ_PUBLIC).u32(handle));
    Response pub = r.sized("outPublic");
    int type = pub.u16();
    int nameAlg = pub.u16();
    int attributes = pub.u32();
    pub.tpm2b("authPolicy", 64);
    int symmetric = pub.u16();
    if (symmetric != ALG_NULL) {
      pub.u16(); // keyBits
      pub.u16(); // mode
    }
    int scheme = pub.u16();
    int schemeHash = ALG_NULL;
    PublicKey key;
    try {
      switch (type) {
        case ALG_RSA -> {
          if (scheme != ALG_NULL && scheme != ALG_RSAES) {
            schemeHash = pub.u16();
          }
          pub.u16(); // keyBits: the modulus says it
          int exponent = pub.u32();
          byte[] modulus = pub.tpm2b("unique.rsa", 512);
          BigInteger e = BigInteger.valueOf(exponent == 0 ? 65537 : Integer.toUnsignedLong(exponent));
          key = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(new BigInteger(1, modulus), e));
        }
        case ALG_ECC -> {
          if (scheme != ALG_NULL) {
            schemeHash = pub.u16();
            if (scheme == ALG_ECDAA) {
              pub.u16(); // count
            }
          }
          int curve = pub.u16();
          if (pub.u16() != ALG_NULL) {
            pub.u16(); // the KDF's hash
          }
          byte[] x = pub.tpm2b("unique.ecc.x", 66);
          byte[] y = pub.tpm2b("unique.ecc.y", 66);
          key = ecKey(name, curve, x, y);
        }
        default -> throw new TpmException.Unsuitable(name, String.format("object 0x%08x is neither an RSA nor an ECC key (type 0x%04x)", handle, type));
      }
    } catch (GeneralSecurityException e) {
      throw new TpmException.Malformed(name, "public key unusable: " + e.getMessage());
    }
    pub.end();
    r.tpm2b("name", 2 + 64);
    r.tpm2b("qualifiedName", 2 + 64);
    r.end();
    return new KeyPublic(type, nameAlg, attributes, scheme, schemeHash, key);
  }

  private static PublicKey ecKey(String command, int curve, byte[] x, byte[] y) throws GeneralSecurityException, TpmException {
    String stdName = switch (curve) {
      case 0x0003 -> "secp256r1";
      case 0x0004 -> "secp384r1";
      case 0x0005 -> "secp521r1";
      default -> throw new TpmException.Unsuitable(command, String.format("ECC curve 0x%04x is not NIST P-256, P-384 or P-521", curve));
    };
    AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
    p.init(new ECGenParameterSpec(stdName));
    ECParameterSpec spec = p.getParameterSpec(ECParameterSpec.class);
    return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(new BigInteger(1, x), new BigInteger(1, y)), spec));
  }

  /** A TPMT_SIGNATURE (Part 2, 11.3.4) of the schemes a quote can carry. */
  public sealed interface TpmSignature {
    int hashAlg();

    /** RSASSA-PKCS1-v1_5 or RSASSA-PSS: the signature as one big-endian number the modulus' size. */
    record Rsa(int scheme, int hashAlg, byte[] signature) implements TpmSignature {
      public Rsa {
        signature = signature.clone();
      }

      @Override
      public byte[] signature() {
        return signature.clone();
      }
    }

    /** ECDSA: r and s, each big-endian. */
    record Ecdsa(int hashAlg, byte[] r, byte[] s) implements TpmSignature {
      public Ecdsa {
        r = r.clone();
        s = s.clone();
      }

      @Override
      public byte[] r() {
        return r.clone();
      }

      @Override
      public byte[] s() {
        return s.clone();
      }
    }
  }

  /** A quote: the TPMS_ATTEST bytes exactly as signed, and the signature. */
  public record Quote(byte[] attest, TpmSignature signature) {
    public Quote {
      attest = attest.clone();
    }

    @Override
    public byte[] attest() {
      return attest.clone();
    }
  }

  /**
   * TPM2_Quote by {@code signHandle} over the given SHA-256 PCRs with {@code qualifyingData} as its
   * extra data. The key's own scheme signs when it has one (an AK is restricted to it); a key without
   * one signs with RSASSA or ECDSA and SHA-256.
   */
  public Quote quote(int signHandle, KeyPublic key, byte[] qualifyingData, List<Integer> pcrs) throws IOException, TpmException {
    String name = "TPM2_Quote";
    if (qualifyingData.length > 64) {
      throw new IllegalArgumentException("qualifying data is at most 64 bytes (a TPMT_HA's digest), got " + qualifyingData.length);
    }
    Command c = new Command(ST_SESSIONS, CC_QUOTE).u32(signHandle).passwordSession().tpm2b(qualifyingData);
    if (key.scheme() != ALG_NULL) {
      c.u16(ALG_NULL); // the key's scheme: a restricted key refuses any other
    } else {
      c.u16(key.type() == ALG_ECC ? ALG_ECDSA : ALG_RSASSA).u16(ALG_SHA256);
    }
    c.pcrSelection(ALG_SHA256, pcrs);
    Response r = send(name, c);
    byte[] attest = r.tpm2b("quoted", 2048);
    int sigAlg = r.u16();
    TpmSignature sig = switch (sigAlg) {
      case ALG_RSASSA, ALG_RSAPSS -> new TpmSignature.Rsa(sigAlg, r.u16(), r.tpm2b("signature.rsa", 512));
      case ALG_ECDSA -> {
        int hash = r.u16();
        yield new TpmSignature.Ecdsa(hash, r.tpm2b("signature.ecdsa.r", 66), r.tpm2b("signature.ecdsa.s", 66));
      }
      default -> throw new TpmException.Unsuitable(name, String.format("signature algorithm 0x%04x is neither RSASSA, RSAPSS nor ECDSA", sigAlg));
    };
    r.end();
    return new Quote(attest, sig);
  }

  /** PCR values of one bank, and the TPM's PCR update counter when they were read. */
  public record PcrValues(int updateCounter, SortedMap<Integer, byte[]> values) {}

  /**
   * TPM2_PCR_Read of the given PCRs of one bank. A TPM returns at most eight digests per command
   * (TPML_DIGEST), saying which in its selection; this asks again for the rest, and starts over if
   * the PCR update counter moved in between, so the values are one consistent reading.
   */
  public PcrValues pcrRead(int hashAlg, List<Integer> pcrs) throws IOException, TpmException {
    String name = "TPM2_PCR_Read";
    for (int attempt = 0; attempt < 3; attempt++) {
      SortedMap<Integer, byte[]> values = new TreeMap<>();
      TreeSet<Integer> remaining = new TreeSet<>(pcrs);
      Integer counter = null;
      boolean moved = false;
      while (!remaining.isEmpty()) {
        Response r = send(name, new Command(ST_NO_SESSIONS, CC_PCR_READ).pcrSelection(hashAlg, List.copyOf(remaining)));
        int updateCounter = r.u32();
        List<Integer> returned = r.pcrSelection(hashAlg);
        int count = r.u32();
        if (count != returned.size()) {
          throw new TpmException.Malformed(name, count + " digests for " + returned.size() + " selected PCRs");
        }
        for (int pcr : returned) {
          if (!remaining.remove(pcr)) {
            throw new TpmException.Malformed(name, "PCR " + pcr + " returned but not asked for");
          }
          values.put(pcr, r.tpm2b("pcrValues", 64));
        }
        r.end();
        if (returned.isEmpty()) {
          throw new TpmException.Unsuitable(name, "the TPM has no PCRs " + remaining + " in bank " + String.format("0x%04x", hashAlg));
        }
        if (counter != null && counter != updateCounter) {
          moved = true;
          break;
        }
        counter = updateCounter;
      }
      if (!moved) {
        return new PcrValues(counter == null ? 0 : counter, values);
      }
    }
    throw new TpmException.Unsuitable(name, "PCRs kept changing while being read (three attempts)");
  }

  @Override
  public void close() throws IOException {
    transport.close();
  }

  // ---- marshalling ----

  private Response send(String name, Command c) throws IOException, TpmException {
    byte[] response = transport.transmit(c.bytes());
    return Response.of(name, response, c.sessions);
  }

  /** A command under construction: header, handles, the authorisation area, parameters. */
  static final class Command {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final boolean sessions;

    Command(int tag, int commandCode) {
      this.sessions = tag == ST_SESSIONS;
      u16(tag).u32(0).u32(commandCode); // the size is set by bytes()
    }

    Command u8(int v) {
      out.write(v);
      return this;
    }

    Command u16(int v) {
      out.write(v >>> 8);
      out.write(v);
      return this;
    }

    Command u32(int v) {
      return u16(v >>> 16).u16(v & 0xFFFF);
    }

    Command tpm2b(byte[] b) {
      u16(b.length);
      out.writeBytes(b);
      return this;
    }

    /** The authorisation area with one password session and the empty password (Part 1, 19.8.4). */
    Command passwordSession() {
      return u32(4 + 2 + 1 + 2).u32(RS_PW).tpm2b(new byte[0]).u8(0).tpm2b(new byte[0]);
    }

    /** A TPML_PCR_SELECTION of one bank: the bitmap is three bytes, PCRs 0..23. */
    Command pcrSelection(int hashAlg, List<Integer> pcrs) {
      byte[] bitmap = new byte[3];
      for (int pcr : pcrs) {
        if (pcr < 0 || pcr >= PCR_COUNT) {
          throw new IllegalArgumentException("PCR " + pcr + " is not 0..23");
        }
        bitmap[pcr / 8] |= (byte) (1 << (pcr % 8));
      }
      u32(1).u16(hashAlg).u8(bitmap.length);
      out.writeBytes(bitmap);
      return this;
    }

    byte[] bytes() {
      byte[] b = out.toByteArray();
      ByteBuffer.wrap(b).putInt(2, b.length);
      return b;
    }
  }

  /** A response being read; every read past the end, and every byte left at {@link #end}, is a {@link TpmException.Malformed}. */
  static final class Response {
    private final String command;
    private final ByteBuffer b;

    private Response(String command, ByteBuffer b) {
      this.command = command;
      this.b = b;
    }

    /**
     * Checks the header and the response code; for a command with sessions, returns the parameter
     * area after checking the one password session's response (empty nonce and HMAC).
     */
    static Response of(String command, byte[] response, boolean sessions) throws TpmException {
      if (response.length < TpmTransport.HEADER) {
        throw new TpmException.Malformed(command, response.length + " bytes, shorter than the header");
      }
      ByteBuffer b = ByteBuffer.wrap(response);
      int tag = b.getShort() & 0xFFFF;
      int size = b.getInt();
      int rc = b.getInt();
      if (size != response.length) {
        throw new TpmException.Malformed(command, "header size " + Integer.toUnsignedString(size) + ", " + response.length + " bytes received");
      }
      if (rc != 0) {
        if (response.length != TpmTransport.HEADER) {
          throw new TpmException.Malformed(command, "an error response carries " + (response.length - TpmTransport.HEADER) + " bytes after its header");
        }
        throw new TpmException.Refused(command, new ResponseCode(rc));
      }
      int want = sessions ? ST_SESSIONS : ST_NO_SESSIONS;
      if (tag != want) {
        throw new TpmException.Malformed(command, String.format("tag 0x%04x, expected 0x%04x", tag, want));
      }
      Response r = new Response(command, b);
      if (!sessions) {
        return r;
      }
      int parameterSize = r.u32();
      if (parameterSize < 0 || parameterSize > b.remaining()) {
        throw new TpmException.Malformed(command, "parameter size " + Integer.toUnsignedString(parameterSize) + " exceeds the response");
      }
      Response params = new Response(command, b.slice(b.position(), parameterSize));
      b.position(b.position() + parameterSize);
      // TPMS_AUTH_RESPONSE for the password session: nonce (empty), session attributes, HMAC (empty).
      if (r.tpm2b("auth.nonce", 64).length != 0 | (r.u8() & ~0x01) != 0 | r.tpm2b("auth.hmac", 64).length != 0) {
        throw new TpmException.Malformed(command, "password session's response is not empty");
      }
      r.end();
      return params;
    }

    int u8() throws TpmException {
      try {
        return b.get() & 0xFF;
      } catch (BufferUnderflowException e) {
        throw truncated();
      }
    }

    int u16() throws TpmException {
      try {
        return b.getShort() & 0xFFFF;
      } catch (BufferUnderflowException e) {
        throw truncated();
      }
    }

    int u32() throws TpmException {
      try {
        return b.getInt();
      } catch (BufferUnderflowException e) {
        throw truncated();
      }
    }

    /** A TPM2B: a 16-bit size, then that many bytes, at most {@code max}. */
    byte[] tpm2b(String field, int max) throws TpmException {
      int size = u16();
      if (size > max) {
        throw new TpmException.Malformed(command, field + " is " + size + " bytes, at most " + max);
      }
      if (size > b.remaining()) {
        throw new TpmException.Malformed(command, field + " is " + size + " bytes, " + b.remaining() + " left");
      }
      byte[] v = new byte[size];
      b.get(v);
      return v;
    }

    /** A sized structure (TPM2B_PUBLIC, TPM2B_NV_PUBLIC), read on its own so its size is checked against what it holds. */
    Response sized(String field) throws TpmException {
      return new Response(command, ByteBuffer.wrap(tpm2b(field, TpmTransport.MAX_RESPONSE)));
    }

    /** A TPML_PCR_SELECTION that must select only the given bank. */
    List<Integer> pcrSelection(int hashAlg) throws TpmException {
      int count = u32();
      List<Integer> pcrs = new ArrayList<>();
      if (count < 0 || count > 16) {
        throw new TpmException.Malformed(command, "PCR selection count " + Integer.toUnsignedString(count));
      }
      for (int i = 0; i < count; i++) {
        int alg = u16();
        int size = u8();
        if (size > 8) {
          throw new TpmException.Malformed(command, "PCR selection bitmap of " + size + " bytes");
        }
        for (int byteIndex = 0; byteIndex < size; byteIndex++) {
          int bits = u8();
          for (int bit = 0; bit < 8; bit++) {
            if ((bits & (1 << bit)) != 0) {
              if (alg != hashAlg) {
                throw new TpmException.Malformed(command, String.format("PCR selection in bank 0x%04x, not 0x%04x", alg, hashAlg));
              }
              pcrs.add(byteIndex * 8 + bit);
            }
          }
        }
      }
      return pcrs;
    }

    void end() throws TpmException {
      if (b.hasRemaining()) {
        throw new TpmException.Malformed(command, b.remaining() + " trailing bytes");
      }
    }

    private TpmException.Malformed truncated() {
      return new TpmException.Malformed(command, "truncated");
    }
  }
}
