package dev.cloister.attestation.snp.abi;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * An SEV-SNP ATTESTATION_REPORT (SEV-SNP firmware ABI specification, table "ATTESTATION_REPORT
 * Structure"): immutable, parsed from exactly {@value #SIZE} bytes, every field named.
 *
 * <p>Parsing checks structure only (length, version, reserved fields, enumerations); it says
 * nothing about authenticity, which is {@code snp.verify}'s job.
 */
public final class SnpReport {
  /** Size of every report version. */
  public static final int SIZE = 0x4A0;
  /** The signature covers bytes {@code [0, SIGNED_LENGTH)}. */
  public static final int SIGNED_LENGTH = 0x2A0;
  /** ECDSA P-384 with SHA-384, the only algorithm defined. */
  public static final int SIG_ALGO_ECDSA_P384_SHA384 = 1;
  /** Length of each of R and S in the report (little-endian, zero-extended from 48 bytes). */
  public static final int SIG_COMPONENT_LENGTH = 72;

  // Offsets, in ABI order.
  static final int VERSION = 0x00;
  static final int GUEST_SVN = 0x04;
  static final int POLICY = 0x08;
  static final int FAMILY_ID = 0x10;
  static final int IMAGE_ID = 0x20;
  static final int VMPL = 0x30;
  static final int SIGNATURE_ALGO = 0x34;
  static final int CURRENT_TCB = 0x38;
  static final int PLATFORM_INFO = 0x40;
  static final int KEY_INFO = 0x48;
  static final int RESERVED_4C = 0x4C;
  static final int REPORT_DATA = 0x50;
  static final int MEASUREMENT = 0x90;
  static final int HOST_DATA = 0xC0;
  static final int ID_KEY_DIGEST = 0xE0;
  static final int AUTHOR_KEY_DIGEST = 0x110;
  static final int REPORT_ID = 0x140;
  static final int REPORT_ID_MA = 0x160;
  static final int REPORTED_TCB = 0x180;
  static final int CPUID_FAM_ID = 0x188;
  static final int CPUID_MOD_ID = 0x189;
  static final int CPUID_STEP = 0x18A;
  static final int RESERVED_18B = 0x18B;
  static final int CHIP_ID = 0x1A0;
  static final int COMMITTED_TCB = 0x1E0;
  static final int CURRENT_BUILD = 0x1E8;
  static final int COMMITTED_BUILD = 0x1EC;
  static final int LAUNCH_TCB = 0x1F0;
  static final int LAUNCH_MIT_VECTOR = 0x1F8;
  static final int CURRENT_MIT_VECTOR = 0x200;
  static final int RESERVED_208 = 0x208;
  static final int SIGNATURE = 0x2A0;
  static final int SIG_R = SIGNATURE;
  static final int SIG_S = SIGNATURE + SIG_COMPONENT_LENGTH;
  static final int SIG_RESERVED = SIGNATURE + 2 * SIG_COMPONENT_LENGTH;
  /** Bytes of R and S beyond a P-384 scalar must be zero. */
  static final int P384_SCALAR_LENGTH = 48;

  private final byte[] raw;
  private final int version;
  private final long guestSvn;
  private final GuestPolicy policy;
  private final int vmpl;
  private final int signatureAlgo;
  private final TcbVersion currentTcb;
  private final PlatformInfo platformInfo;
  private final boolean authorKeyEn;
  private final boolean maskChipKey;
  private final SigningKey signingKey;
  private final TcbVersion reportedTcb;
  private final Cpuid cpuid;
  private final TcbVersion committedTcb;
  private final FirmwareVersion currentVersion;
  private final FirmwareVersion committedVersion;
  private final TcbVersion launchTcb;
  private final long launchMitVector;
  private final long currentMitVector;

  private SnpReport(byte[] raw) throws MalformedEvidenceException {
    this.raw = raw;
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    version = b.getInt(VERSION);
    if (version != 2 && version != 3 && version != 5) {
      throw new MalformedEvidenceException(
          "report.version", "unsupported version " + Integer.toUnsignedString(version) + " (supported: 2, 3, 5)");
    }
    guestSvn = Integer.toUnsignedLong(b.getInt(GUEST_SVN));
    policy = GuestPolicy.parse(b.getLong(POLICY), "report.policy");
    vmpl = b.getInt(VMPL);
    if (vmpl < 0 || vmpl > 3) {
      throw new MalformedEvidenceException("report.vmpl", "must be 0..3, got " + Integer.toUnsignedString(vmpl));
    }
    signatureAlgo = b.getInt(SIGNATURE_ALGO);
    if (signatureAlgo != SIG_ALGO_ECDSA_P384_SHA384) {
      throw new MalformedEvidenceException(
          "report.signature_algo", "unknown signature algorithm " + Integer.toUnsignedString(signatureAlgo));
    }
    currentTcb = new TcbVersion(b.getLong(CURRENT_TCB));
    platformInfo = PlatformInfo.parse(b.getLong(PLATFORM_INFO), "report.platform_info");
    int keyInfo = b.getInt(KEY_INFO);
    authorKeyEn = (keyInfo & 1) != 0;
    maskChipKey = (keyInfo & 2) != 0;
    signingKey =
        switch ((keyInfo >>> 2) & 7) {
          case 0 -> SigningKey.VCEK;
          case 1 -> SigningKey.VLEK;
          case 7 -> SigningKey.NONE;
          default ->
              throw new MalformedEvidenceException(
                  "report.key_info.signing_key", "reserved encoding " + ((keyInfo >>> 2) & 7));
        };
    if ((keyInfo >>> 5) != 0) {
      throw new MalformedEvidenceException("report.key_info", "reserved bits 5-31 must be zero");
    }
    requireZero(RESERVED_4C, REPORT_DATA, "report.reserved[0x4c]");
    reportedTcb = new TcbVersion(b.getLong(REPORTED_TCB));
    if (version >= 3) {
      cpuid = new Cpuid(raw[CPUID_FAM_ID] & 0xFF, raw[CPUID_MOD_ID] & 0xFF, raw[CPUID_STEP] & 0xFF);
      requireZero(RESERVED_18B, CHIP_ID, "report.reserved[0x18b]");
    } else {
      cpuid = null;
      requireZero(CPUID_FAM_ID, CHIP_ID, "report.reserved[0x188]");
    }
    committedTcb = new TcbVersion(b.getLong(COMMITTED_TCB));
    currentVersion = firmwareVersion(CURRENT_BUILD, "report.current");
    committedVersion = firmwareVersion(COMMITTED_BUILD, "report.committed");
    launchTcb = new TcbVersion(b.getLong(LAUNCH_TCB));
    if (version >= 5) {
      launchMitVector = b.getLong(LAUNCH_MIT_VECTOR);
      currentMitVector = b.getLong(CURRENT_MIT_VECTOR);
      requireZero(RESERVED_208, SIGNATURE, "report.reserved[0x208]");
    } else {
      launchMitVector = 0;
      currentMitVector = 0;
      requireZero(LAUNCH_MIT_VECTOR, SIGNATURE, "report.reserved[0x1f8]");
    }
    requireZero(SIG_R + P384_SCALAR_LENGTH, SIG_S, "report.signature.r");
    requireZero(SIG_S + P384_SCALAR_LENGTH, SIG_RESERVED, "report.signature.s");
    requireZero(SIG_RESERVED, SIZE, "report.signature.reserved");
  }

  private FirmwareVersion firmwareVersion(int offset, String field) throws MalformedEvidenceException {
    if (raw[offset + 3] != 0) {
      throw new MalformedEvidenceException(field, "reserved byte must be zero");
    }
    return new FirmwareVersion(raw[offset + 2] & 0xFF, raw[offset + 1] & 0xFF, raw[offset] & 0xFF);
  }

  private void requireZero(int from, int to, String field) throws MalformedEvidenceException {
    for (int i = from; i < to; i++) {
      if (raw[i] != 0) {
        throw new MalformedEvidenceException(field, String.format("must be zero, byte 0x%x is 0x%02x", i, raw[i] & 0xFF));
      }
    }
  }

  /**
   * Parses a report. The input must be exactly {@value #SIZE} bytes: trailing data is an error.
   *
   * @throws MalformedEvidenceException naming the offending field
   */
  public static SnpReport parse(byte[] bytes) throws MalformedEvidenceException {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length != SIZE) {
      throw new MalformedEvidenceException(
          "report", "length must be " + SIZE + " bytes, got " + bytes.length);
    }
    return new SnpReport(bytes.clone());
  }

  // ---- field accessors, in ABI order ----

  public int version() {
    return version;
  }

  public long guestSvn() {
    return guestSvn;
  }

  public GuestPolicy policy() {
    return policy;
  }

  public Octets familyId() {
    return slice(FAMILY_ID, IMAGE_ID);
  }

  public Octets imageId() {
    return slice(IMAGE_ID, VMPL);
  }

  public int vmpl() {
    return vmpl;
  }

  public int signatureAlgo() {
    return signatureAlgo;
  }

  public TcbVersion currentTcb() {
    return currentTcb;
  }

  public PlatformInfo platformInfo() {
    return platformInfo;
  }

  /** KEY_INFO.AUTHOR_KEY_EN: the ID block was signed by an author key, whose digest is present. */
  public boolean authorKeyEn() {
    return authorKeyEn;
  }

  /** KEY_INFO.MASK_CHIP_KEY: the chip ID is masked (all zero). */
  public boolean maskChipKey() {
    return maskChipKey;
  }

  public SigningKey signingKey() {
    return signingKey;
  }

  public Octets reportData() {
    return slice(REPORT_DATA, MEASUREMENT);
  }

  public Octets measurement() {
    return slice(MEASUREMENT, HOST_DATA);
  }

  public Octets hostData() {
    return slice(HOST_DATA, ID_KEY_DIGEST);
  }

  public Octets idKeyDigest() {
    return slice(ID_KEY_DIGEST, AUTHOR_KEY_DIGEST);
  }

  public Octets authorKeyDigest() {
    return slice(AUTHOR_KEY_DIGEST, REPORT_ID);
  }

  public Octets reportId() {
    return slice(REPORT_ID, REPORT_ID_MA);
  }

  public Octets reportIdMa() {
    return slice(REPORT_ID_MA, REPORTED_TCB);
  }

  public TcbVersion reportedTcb() {
    return reportedTcb;
  }

  /** CPUID family/model/stepping; present in version 3 and later. */
  public Optional<Cpuid> cpuid() {
    return Optional.ofNullable(cpuid);
  }

  public Octets chipId() {
    return slice(CHIP_ID, COMMITTED_TCB);
  }

  public TcbVersion committedTcb() {
    return committedTcb;
  }

  public FirmwareVersion currentVersion() {
    return currentVersion;
  }

  public FirmwareVersion committedVersion() {
    return committedVersion;
  }

  public TcbVersion launchTcb() {
    return launchTcb;
  }

  /** LAUNCH_MIT_VECTOR (version 5 and later; zero before). */
  public long launchMitVector() {
    return launchMitVector;
  }

  /** CURRENT_MIT_VECTOR (version 5 and later; zero before). */
  public long currentMitVector() {
    return currentMitVector;
  }

  /** R of the signature, 72 bytes little-endian as in the report. */
  public Octets signatureR() {
    return slice(SIG_R, SIG_S);
  }

  /** S of the signature, 72 bytes little-endian as in the report. */
  public Octets signatureS() {
    return slice(SIG_S, SIG_RESERVED);
  }

  /**
   * The signature as IEEE P1363 {@code r || s}, each 48 bytes big-endian, ready for
   * {@code SHA384withECDSAinP1363Format}.
   */
  public byte[] signatureP1363() {
    byte[] out = new byte[2 * P384_SCALAR_LENGTH];
    for (int i = 0; i < P384_SCALAR_LENGTH; i++) {
      out[P384_SCALAR_LENGTH - 1 - i] = raw[SIG_R + i];
      out[2 * P384_SCALAR_LENGTH - 1 - i] = raw[SIG_S + i];
    }
    return out;
  }

  /** The bytes the signature covers: {@code [0x000, 0x2A0)}. */
  public byte[] signedBytes() {
    return Arrays.copyOfRange(raw, 0, SIGNED_LENGTH);
  }

  /** The whole report, exactly as parsed. */
  public byte[] toByteArray() {
    return raw.clone();
  }

  /** The product line from CPUID (v3+); empty for v2 or unknown CPUIDs. */
  public Optional<ProductLine> productLineFromCpuid() {
    return cpuid().flatMap(Cpuid::productLine);
  }

  private Octets slice(int from, int to) {
    return Octets.copyOfRange(raw, from, to);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SnpReport other && Arrays.equals(raw, other.raw);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(raw);
  }

  @Override
  public String toString() {
    return "SnpReport[v" + version + ", measurement=" + measurement().hex() + "]";
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Encodes a report from its fields, for the simulated platform and for tests. {@link #build()}
   * parses the result, so a builder can only produce reports that parse. The signature is zero
   * until {@link #signature(byte[])} sets it.
   */
  public static final class Builder {
    private final byte[] b = new byte[SIZE];
    private final ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);

    private Builder() {
      buf.putInt(VERSION, 3);
      buf.putInt(SIGNATURE_ALGO, SIG_ALGO_ECDSA_P384_SHA384);
      buf.putLong(POLICY, GuestPolicy.of(0, 0, GuestPolicy.SMT).raw());
    }

    private Builder bytes(int offset, int length, Octets value, String field) {
      if (value.length() != length) {
        throw new IllegalArgumentException(field + " must be " + length + " bytes, got " + value.length());
      }
      value.copyTo(b, offset);
      return this;
    }

    public Builder version(int v) {
      buf.putInt(VERSION, v);
      return this;
    }

    public Builder guestSvn(long svn) {
      buf.putInt(GUEST_SVN, (int) svn);
      return this;
    }

    public Builder policy(GuestPolicy p) {
      buf.putLong(POLICY, p.raw());
      return this;
    }

    public Builder familyId(Octets v) {
      return bytes(FAMILY_ID, 16, v, "family_id");
    }

    public Builder imageId(Octets v) {
      return bytes(IMAGE_ID, 16, v, "image_id");
    }

    public Builder vmpl(int v) {
      buf.putInt(VMPL, v);
      return this;
    }

    public Builder currentTcb(TcbVersion t) {
      buf.putLong(CURRENT_TCB, t.raw());
      return this;
    }

    public Builder platformInfo(PlatformInfo p) {
      buf.putLong(PLATFORM_INFO, p.raw());
      return this;
    }

    public Builder keyInfo(boolean authorKeyEn, boolean maskChipKey, SigningKey key) {
      int enc =
          switch (key) {
            case VCEK -> 0;
            case VLEK -> 1;
            case NONE -> 7;
          };
      buf.putInt(KEY_INFO, (authorKeyEn ? 1 : 0) | (maskChipKey ? 2 : 0) | enc << 2);
      return this;
    }

    public Builder reportData(Octets v) {
      return bytes(REPORT_DATA, 64, v, "report_data");
    }

    public Builder measurement(Octets v) {
      return bytes(MEASUREMENT, 48, v, "measurement");
    }

    public Builder hostData(Octets v) {
      return bytes(HOST_DATA, 32, v, "host_data");
    }

    public Builder idKeyDigest(Octets v) {
      return bytes(ID_KEY_DIGEST, 48, v, "id_key_digest");
    }

    public Builder authorKeyDigest(Octets v) {
      return bytes(AUTHOR_KEY_DIGEST, 48, v, "author_key_digest");
    }

    public Builder reportId(Octets v) {
      return bytes(REPORT_ID, 32, v, "report_id");
    }

    public Builder reportIdMa(Octets v) {
      return bytes(REPORT_ID_MA, 32, v, "report_id_ma");
    }

    public Builder reportedTcb(TcbVersion t) {
      buf.putLong(REPORTED_TCB, t.raw());
      return this;
    }

    public Builder cpuid(Cpuid c) {
      b[CPUID_FAM_ID] = (byte) c.family();
      b[CPUID_MOD_ID] = (byte) c.model();
      b[CPUID_STEP] = (byte) c.stepping();
      return this;
    }

    public Builder chipId(Octets v) {
      return bytes(CHIP_ID, 64, v, "chip_id");
    }

    public Builder committedTcb(TcbVersion t) {
      buf.putLong(COMMITTED_TCB, t.raw());
      return this;
    }

    public Builder currentVersion(FirmwareVersion v) {
      b[CURRENT_BUILD] = (byte) v.build();
      b[CURRENT_BUILD + 1] = (byte) v.minor();
      b[CURRENT_BUILD + 2] = (byte) v.major();
      return this;
    }

    public Builder committedVersion(FirmwareVersion v) {
      b[COMMITTED_BUILD] = (byte) v.build();
      b[COMMITTED_BUILD + 1] = (byte) v.minor();
      b[COMMITTED_BUILD + 2] = (byte) v.major();
      return this;
    }

    public Builder launchTcb(TcbVersion t) {
      buf.putLong(LAUNCH_TCB, t.raw());
      return this;
    }

    public Builder launchMitVector(long v) {
      buf.putLong(LAUNCH_MIT_VECTOR, v);
      return this;
    }

    public Builder currentMitVector(long v) {
      buf.putLong(CURRENT_MIT_VECTOR, v);
      return this;
    }

    /** Sets the signature from IEEE P1363 {@code r || s} (48 + 48 bytes, big-endian). */
    public Builder signature(byte[] p1363) {
      if (p1363.length != 2 * P384_SCALAR_LENGTH) {
        throw new IllegalArgumentException("P-384 P1363 signature must be 96 bytes");
      }
      Arrays.fill(b, SIGNATURE, SIZE, (byte) 0);
      for (int i = 0; i < P384_SCALAR_LENGTH; i++) {
        b[SIG_R + i] = p1363[P384_SCALAR_LENGTH - 1 - i];
        b[SIG_S + i] = p1363[2 * P384_SCALAR_LENGTH - 1 - i];
      }
      return this;
    }

    /** The bytes a signature must cover, as currently set. */
    public byte[] signedBytes() {
      return Arrays.copyOfRange(b, 0, SIGNED_LENGTH);
    }

    public SnpReport build() throws MalformedEvidenceException {
      return new SnpReport(b.clone());
    }
  }
}
