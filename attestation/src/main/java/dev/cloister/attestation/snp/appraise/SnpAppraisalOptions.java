package dev.cloister.attestation.snp.appraise;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.cel.CelExpression;
import dev.cloister.attestation.snp.abi.GuestPolicy;
import dev.cloister.attestation.snp.abi.TcbVersion;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What an SEV-SNP report must satisfy, beyond being genuine: a superset of go-sev-guest's
 * {@code validate.Options}, plus a measurement allow-list, the platform kind, and a CEL rule.
 * Immutable; build with {@link #builder()} or start from {@link #defaults()}.
 *
 * <p>Defaults (fail closed): DEBUG, MIGRATE_MA and CXL_ALLOW refused, SMT allowed; the simulated
 * platform refused; committed firmware may be older than current (provisional firmware, as on
 * every real Azure and Trustee sample) but never newer. Anything else is checked only when set.
 */
public final class SnpAppraisalOptions {
  final boolean allowDebug;
  final boolean allowMigrateMa;
  final boolean allowSmt;
  final boolean allowCxl;
  final Set<Integer> requiredPolicyBits;
  final int minimumAbiMajor;
  final int minimumAbiMinor;
  final long minimumGuestSvn;
  final Optional<Octets> reportData;
  final Optional<Octets> hostData;
  final Optional<Octets> imageId;
  final Optional<Octets> familyId;
  final Optional<Octets> reportId;
  final Optional<Octets> reportIdMa;
  final Optional<Octets> chipId;
  final Set<Octets> measurements;
  final int minimumBuild;
  final int minimumVersion;
  final Optional<TcbVersion.Parts> minimumTcb;
  final Optional<TcbVersion.Parts> minimumLaunchTcb;
  final boolean permitProvisionalFirmware;
  final long platformInfoForbidden;
  final long platformInfoRequired;
  final boolean requireAuthorKey;
  final boolean requireIdBlock;
  final Set<Octets> trustedIdKeyDigests;
  final Set<Octets> trustedAuthorKeyDigests;
  final Optional<Integer> vmpl;
  final long minimumLaunchMitVector;
  final long minimumCurrentMitVector;
  final boolean allowSimulated;
  final Optional<CelExpression> cel;

  private SnpAppraisalOptions(Builder b) {
    allowDebug = b.allowDebug;
    allowMigrateMa = b.allowMigrateMa;
    allowSmt = b.allowSmt;
    allowCxl = b.allowCxl;
    requiredPolicyBits = Set.copyOf(b.requiredPolicyBits);
    minimumAbiMajor = b.minimumAbiMajor;
    minimumAbiMinor = b.minimumAbiMinor;
    minimumGuestSvn = b.minimumGuestSvn;
    reportData = b.reportData;
    hostData = b.hostData;
    imageId = b.imageId;
    familyId = b.familyId;
    reportId = b.reportId;
    reportIdMa = b.reportIdMa;
    chipId = b.chipId;
    measurements = Set.copyOf(b.measurements);
    minimumBuild = b.minimumBuild;
    minimumVersion = b.minimumVersion;
    minimumTcb = b.minimumTcb;
    minimumLaunchTcb = b.minimumLaunchTcb;
    permitProvisionalFirmware = b.permitProvisionalFirmware;
    platformInfoForbidden = b.platformInfoForbidden;
    platformInfoRequired = b.platformInfoRequired;
    requireAuthorKey = b.requireAuthorKey;
    requireIdBlock = b.requireIdBlock;
    trustedIdKeyDigests = Set.copyOf(b.trustedIdKeyDigests);
    trustedAuthorKeyDigests = Set.copyOf(b.trustedAuthorKeyDigests);
    vmpl = b.vmpl;
    minimumLaunchMitVector = b.minimumLaunchMitVector;
    minimumCurrentMitVector = b.minimumCurrentMitVector;
    allowSimulated = b.allowSimulated;
    cel = b.cel;
  }

  public static SnpAppraisalOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public boolean allowSimulated() {
    return allowSimulated;
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.allowDebug = allowDebug;
    b.allowMigrateMa = allowMigrateMa;
    b.allowSmt = allowSmt;
    b.allowCxl = allowCxl;
    b.requiredPolicyBits.addAll(requiredPolicyBits);
    b.minimumAbiMajor = minimumAbiMajor;
    b.minimumAbiMinor = minimumAbiMinor;
    b.minimumGuestSvn = minimumGuestSvn;
    b.reportData = reportData;
    b.hostData = hostData;
    b.imageId = imageId;
    b.familyId = familyId;
    b.reportId = reportId;
    b.reportIdMa = reportIdMa;
    b.chipId = chipId;
    b.measurements.addAll(measurements);
    b.minimumBuild = minimumBuild;
    b.minimumVersion = minimumVersion;
    b.minimumTcb = minimumTcb;
    b.minimumLaunchTcb = minimumLaunchTcb;
    b.permitProvisionalFirmware = permitProvisionalFirmware;
    b.platformInfoForbidden = platformInfoForbidden;
    b.platformInfoRequired = platformInfoRequired;
    b.requireAuthorKey = requireAuthorKey;
    b.requireIdBlock = requireIdBlock;
    b.trustedIdKeyDigests.addAll(trustedIdKeyDigests);
    b.trustedAuthorKeyDigests.addAll(trustedAuthorKeyDigests);
    b.vmpl = vmpl;
    b.minimumLaunchMitVector = minimumLaunchMitVector;
    b.minimumCurrentMitVector = minimumCurrentMitVector;
    b.allowSimulated = allowSimulated;
    b.cel = cel;
    return b;
  }

  /** Validating builder: {@link #build()} throws {@link IllegalArgumentException} naming the field. */
  public static final class Builder {
    private boolean allowDebug;
    private boolean allowMigrateMa;
    private boolean allowSmt = true;
    private boolean allowCxl;
    private final Set<Integer> requiredPolicyBits = new LinkedHashSet<>();
    private int minimumAbiMajor;
    private int minimumAbiMinor;
    private long minimumGuestSvn;
    private Optional<Octets> reportData = Optional.empty();
    private Optional<Octets> hostData = Optional.empty();
    private Optional<Octets> imageId = Optional.empty();
    private Optional<Octets> familyId = Optional.empty();
    private Optional<Octets> reportId = Optional.empty();
    private Optional<Octets> reportIdMa = Optional.empty();
    private Optional<Octets> chipId = Optional.empty();
    private final Set<Octets> measurements = new LinkedHashSet<>();
    private int minimumBuild;
    private int minimumVersion;
    private Optional<TcbVersion.Parts> minimumTcb = Optional.empty();
    private Optional<TcbVersion.Parts> minimumLaunchTcb = Optional.empty();
    private boolean permitProvisionalFirmware = true;
    private long platformInfoForbidden;
    private long platformInfoRequired;
    private boolean requireAuthorKey;
    private boolean requireIdBlock;
    private final Set<Octets> trustedIdKeyDigests = new LinkedHashSet<>();
    private final Set<Octets> trustedAuthorKeyDigests = new LinkedHashSet<>();
    private Optional<Integer> vmpl = Optional.empty();
    private long minimumLaunchMitVector;
    private long minimumCurrentMitVector;
    private boolean allowSimulated;
    private Optional<CelExpression> cel = Optional.empty();

    private Builder() {}

    public Builder allowDebug(boolean v) {
      allowDebug = v;
      return this;
    }

    public Builder allowMigrateMa(boolean v) {
      allowMigrateMa = v;
      return this;
    }

    public Builder allowSmt(boolean v) {
      allowSmt = v;
      return this;
    }

    public Builder allowCxl(boolean v) {
      allowCxl = v;
      return this;
    }

    /** Requires a policy bit: {@link GuestPolicy#SINGLE_SOCKET}, MEM_AES_256_XTS, RAPL_DIS, CIPHERTEXT_HIDING or PAGE_SWAP_DISABLE. */
    public Builder requirePolicyBit(int bit) {
      requiredPolicyBits.add(bit);
      return this;
    }

    public Builder minimumAbi(int major, int minor) {
      minimumAbiMajor = major;
      minimumAbiMinor = minor;
      return this;
    }

    public Builder minimumGuestSvn(long v) {
      minimumGuestSvn = v;
      return this;
    }

    public Builder reportData(Octets v) {
      reportData = Optional.of(v);
      return this;
    }

    public Builder hostData(Octets v) {
      hostData = Optional.of(v);
      return this;
    }

    public Builder imageId(Octets v) {
      imageId = Optional.of(v);
      return this;
    }

    public Builder familyId(Octets v) {
      familyId = Optional.of(v);
      return this;
    }

    public Builder reportId(Octets v) {
      reportId = Optional.of(v);
      return this;
    }

    public Builder reportIdMa(Octets v) {
      reportIdMa = Optional.of(v);
      return this;
    }

    public Builder chipId(Octets v) {
      chipId = Optional.of(v);
      return this;
    }

    /** Adds an accepted launch measurement; with none added, the measurement is not checked. */
    public Builder addMeasurement(Octets v) {
      measurements.add(v);
      return this;
    }

    public Builder minimumBuild(int v) {
      minimumBuild = v;
      return this;
    }

    /** Minimum firmware API version as {@code major << 8 | minor}. */
    public Builder minimumVersion(int v) {
      minimumVersion = v;
      return this;
    }

    public Builder minimumTcb(TcbVersion.Parts v) {
      minimumTcb = Optional.of(v);
      return this;
    }

    public Builder minimumLaunchTcb(TcbVersion.Parts v) {
      minimumLaunchTcb = Optional.of(v);
      return this;
    }

    public Builder permitProvisionalFirmware(boolean v) {
      permitProvisionalFirmware = v;
      return this;
    }

    /** PLATFORM_INFO bits that must be clear (e.g. {@code 1 << PlatformInfo.SMT_EN}). */
    public Builder platformInfoForbidden(long bits) {
      platformInfoForbidden = bits;
      return this;
    }

    /** PLATFORM_INFO bits that must be set (e.g. {@code 1 << PlatformInfo.ECC_EN}). */
    public Builder platformInfoRequired(long bits) {
      platformInfoRequired = bits;
      return this;
    }

    public Builder requireAuthorKey(boolean v) {
      requireAuthorKey = v;
      return this;
    }

    public Builder requireIdBlock(boolean v) {
      requireIdBlock = v;
      return this;
    }

    /** A trusted ID key, as the SHA-384 digest the report carries in ID_KEY_DIGEST. */
    public Builder addTrustedIdKeyDigest(Octets v) {
      trustedIdKeyDigests.add(v);
      return this;
    }

    /** A trusted ID key (ECDSA P-384), by the digest the firmware computes of it. */
    public Builder addTrustedIdKey(java.security.interfaces.ECPublicKey key) {
      trustedIdKeyDigests.add(KeyDigests.of(key));
      return this;
    }

    /** A trusted author key (ECDSA P-384), by the digest the firmware computes of it. */
    public Builder addTrustedAuthorKey(java.security.interfaces.ECPublicKey key) {
      trustedAuthorKeyDigests.add(KeyDigests.of(key));
      return this;
    }

    /** A trusted author key, as the SHA-384 digest the report carries in AUTHOR_KEY_DIGEST. */
    public Builder addTrustedAuthorKeyDigest(Octets v) {
      trustedAuthorKeyDigests.add(v);
      return this;
    }

    public Builder vmpl(int v) {
      vmpl = Optional.of(v);
      return this;
    }

    public Builder minimumLaunchMitVector(long v) {
      minimumLaunchMitVector = v;
      return this;
    }

    public Builder minimumCurrentMitVector(long v) {
      minimumCurrentMitVector = v;
      return this;
    }

    /** Accept evidence that chains to a simulated root (never for real data). */
    public Builder allowSimulated(boolean v) {
      allowSimulated = v;
      return this;
    }

    /** A CEL rule over {@code claims} (see {@link SnpClaims}); it must return true or a tier string. */
    public Builder cel(CelExpression v) {
      cel = Optional.of(v);
      return this;
    }

    public SnpAppraisalOptions build() {
      length(reportData, 64, "report_data");
      length(hostData, 32, "host_data");
      length(imageId, 16, "image_id");
      length(familyId, 16, "family_id");
      length(reportId, 32, "report_id");
      length(reportIdMa, 32, "report_id_ma");
      length(chipId, 64, "chip_id");
      measurements.forEach(m -> length(Optional.of(m), 48, "measurement"));
      trustedIdKeyDigests.forEach(m -> length(Optional.of(m), 48, "trusted_id_key_digest"));
      trustedAuthorKeyDigests.forEach(m -> length(Optional.of(m), 48, "trusted_author_key_digest"));
      for (int bit : requiredPolicyBits) {
        if (bit != GuestPolicy.SINGLE_SOCKET && bit != GuestPolicy.MEM_AES_256_XTS && bit != GuestPolicy.RAPL_DIS
            && bit != GuestPolicy.CIPHERTEXT_HIDING && bit != GuestPolicy.PAGE_SWAP_DISABLE) {
          throw new IllegalArgumentException("policy bit " + bit + " cannot be required");
        }
      }
      if (vmpl.isPresent() && (vmpl.get() < 0 || vmpl.get() > 3)) {
        throw new IllegalArgumentException("vmpl must be 0..3");
      }
      if (minimumBuild < 0 || minimumBuild > 0xFF || minimumVersion < 0 || minimumVersion > 0xFFFF) {
        throw new IllegalArgumentException("minimum_build is a byte and minimum_version a 16-bit value");
      }
      if (minimumGuestSvn < 0 || minimumGuestSvn > 0xFFFFFFFFL) {
        throw new IllegalArgumentException("minimum_guest_svn must be a 32-bit unsigned value");
      }
      if ((platformInfoForbidden & platformInfoRequired) != 0) {
        throw new IllegalArgumentException("platform_info: a bit cannot be both required and forbidden");
      }
      return new SnpAppraisalOptions(this);
    }

    private static void length(Optional<Octets> v, int n, String field) {
      if (v.isPresent() && v.get().length() != n) {
        throw new IllegalArgumentException(field + " must be " + n + " bytes, got " + v.get().length());
      }
    }
  }
}
