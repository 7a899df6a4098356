package dev.cloister.attestation.snp.appraise;

import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.snp.abi.FirmwareVersion;
import dev.cloister.attestation.snp.abi.GuestPolicy;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.snp.abi.TcbVersion;
import dev.cloister.attestation.snp.verify.VerifiedSnpReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Appraises a verified SEV-SNP report against {@link SnpAppraisalOptions}: one named {@link Check}
 * per rule, the result's status the worst of them. Pure and thread-safe; it never looks at
 * signatures or certificates, which {@code snp.verify} has already checked.
 */
public final class SnpAppraiser {
  public static final String FORMAT = "sev-snp";

  /** This appraiser's capability to build results (see {@link AttestationResult#minter}). */
  private static final AttestationResult.Minter RESULTS = AttestationResult.minter(java.lang.invoke.MethodHandles.lookup());

  private SnpAppraiser() {}

  public static AttestationResult appraise(VerifiedSnpReport v, SnpAppraisalOptions o) {
    SnpReport r = v.report();
    ProductLine product = v.product();
    Map<String, Object> claims = SnpClaims.of(v);
    List<Check> checks = new ArrayList<>();

    checks.add(v.platform() == PlatformKind.HARDWARE || o.allowSimulated
        ? Check.pass("platform", v.platform().label() + " (trust anchor '" + v.anchor().name() + "')")
        : Check.fail("platform", "evidence is from a simulated platform and simulation is not allowed"));

    GuestPolicy p = r.policy();
    checks.add(allowed("policy.debug", p.debug(), o.allowDebug));
    checks.add(allowed("policy.migrate_ma", p.migrateMa(), o.allowMigrateMa));
    checks.add(allowed("policy.smt", p.smt(), o.allowSmt));
    checks.add(allowed("policy.cxl_allow", p.cxlAllow(), o.allowCxl));
    for (int bit : o.requiredPolicyBits) {
      String name = "policy." + policyBitName(bit);
      checks.add(p.bit(bit) ? Check.pass(name, "set as required") : Check.fail(name, "required but not set"));
    }
    if (o.minimumAbiMajor > 0 || o.minimumAbiMinor > 0) {
      boolean ok = p.abiMajor() > o.minimumAbiMajor || (p.abiMajor() == o.minimumAbiMajor && p.abiMinor() >= o.minimumAbiMinor);
      checks.add(Check.of(ok, "policy.abi", "ABI " + p.abiMajor() + "." + p.abiMinor() + " vs minimum " + o.minimumAbiMajor + "." + o.minimumAbiMinor));
    }
    if (o.minimumGuestSvn > 0) {
      checks.add(Check.of(r.guestSvn() >= o.minimumGuestSvn, "guest_svn", r.guestSvn() + " vs minimum " + o.minimumGuestSvn));
    }
    exact(checks, "report_data", r.reportData(), o.reportData);
    exact(checks, "host_data", r.hostData(), o.hostData);
    exact(checks, "image_id", r.imageId(), o.imageId);
    exact(checks, "family_id", r.familyId(), o.familyId);
    exact(checks, "report_id", r.reportId(), o.reportId);
    exact(checks, "report_id_ma", r.reportIdMa(), o.reportIdMa);
    exact(checks, "chip_id", r.chipId(), o.chipId);
    if (!o.measurements.isEmpty()) {
      checks.add(o.measurements.contains(r.measurement())
          ? Check.pass("measurement", r.measurement().hex() + " is allowed")
          : Check.fail("measurement", r.measurement().hex() + " is not among the " + o.measurements.size() + " allowed"));
    }
    FirmwareVersion fw = r.currentVersion();
    if (o.minimumBuild > 0) {
      checks.add(Check.of(fw.build() >= o.minimumBuild, "firmware.build", "build " + fw.build() + " vs minimum " + o.minimumBuild));
    }
    if (o.minimumVersion > 0) {
      checks.add(Check.of(fw.apiVersion() >= o.minimumVersion, "firmware.version",
          fw.major() + "." + fw.minor() + " vs minimum " + (o.minimumVersion >> 8) + "." + (o.minimumVersion & 0xFF)));
    }
    o.minimumTcb.ifPresent(min -> checks.add(tcbAtLeast("minimum_tcb", r.reportedTcb(), min, product)));
    o.minimumLaunchTcb.ifPresent(min -> checks.add(tcbAtLeast("minimum_launch_tcb", r.launchTcb(), min, product)));
    checks.add(provisional(r, product, o.permitProvisionalFirmware));
    // go-sev-guest's implicit rule: the certificate cannot be for a TCB the firmware is not running.
    TcbVersion.Parts vekTcb = v.extensions().tcb().parts(product);
    checks.add(Check.of(r.currentTcb().parts(product).atLeast(vekTcb), "tcb.vek_le_current",
        "certificate TCB " + vekTcb + " vs current " + r.currentTcb().parts(product)));
    long info = r.platformInfo().raw();
    if ((info & o.platformInfoForbidden) != 0) {
      checks.add(Check.fail("platform_info", String.format("forbidden bits set: 0x%x", info & o.platformInfoForbidden)));
    }
    if ((info & o.platformInfoRequired) != o.platformInfoRequired) {
      checks.add(Check.fail("platform_info", String.format("required bits missing: 0x%x", o.platformInfoRequired & ~info)));
    } else if (o.platformInfoForbidden != 0 || o.platformInfoRequired != 0) {
      if ((info & o.platformInfoForbidden) == 0) {
        checks.add(Check.pass("platform_info", String.format("0x%x within policy", info)));
      }
    }
    if (o.requireAuthorKey) {
      checks.add(r.authorKeyEn() ? trusted("author_key", r.authorKeyDigest(), o.trustedAuthorKeyDigests)
          : Check.fail("author_key", "required but AUTHOR_KEY_EN is not set"));
    }
    if (o.requireIdBlock || o.requireAuthorKey) {
      checks.add(r.idKeyDigest().isAllZero() ? Check.fail("id_block", "required but the VM was launched without an ID block")
          : trusted("id_block", r.idKeyDigest(), o.trustedIdKeyDigests));
    }
    o.vmpl.ifPresent(want -> checks.add(Check.of(r.vmpl() == want, "vmpl", "VMPL " + r.vmpl() + " vs required " + want)));
    if (o.minimumLaunchMitVector != 0) {
      checks.add(bits("launch_mit_vector", r.launchMitVector(), o.minimumLaunchMitVector));
    }
    if (o.minimumCurrentMitVector != 0) {
      checks.add(bits("current_mit_vector", r.currentMitVector(), o.minimumCurrentMitVector));
    }
    o.cel.ifPresent(expr -> checks.add(dev.cloister.attestation.cel.CelRule.check(expr, claims)));
    return RESULTS.of(FORMAT, v.platform(), claims, checks);
  }

  private static Check allowed(String name, boolean set, boolean allowed) {
    if (!set) {
      return Check.pass(name, "not set");
    }
    return allowed ? Check.pass(name, "set, and allowed") : Check.fail(name, "set, and not allowed");
  }

  private static void exact(List<Check> checks, String name, Octets got, Optional<Octets> want) {
    want.ifPresent(w -> checks.add(Check.matches(name, got, w)));
  }

  private static Check tcbAtLeast(String name, TcbVersion tcb, TcbVersion.Parts min, ProductLine product) {
    TcbVersion.Parts got = tcb.parts(product);
    TcbVersion.Parts want = product.tcbLayout() == ProductLine.TcbLayout.ZEN5 ? min
        : new TcbVersion.Parts(-1, min.bootloader(), min.tee(), min.snp(), min.microcode());
    return Check.of(got.atLeast(want), name, got + " vs minimum " + want);
  }

  private static Check provisional(SnpReport r, ProductLine product, boolean permit) {
    TcbVersion.Parts committed = r.committedTcb().parts(product);
    TcbVersion.Parts current = r.currentTcb().parts(product);
    FirmwareVersion cv = r.committedVersion();
    FirmwareVersion cur = r.currentVersion();
    boolean equal = committed.equals(current) && cv.equals(cur);
    if (equal) {
      return Check.pass("provisional_firmware", "committed firmware equals current");
    }
    boolean older = current.atLeast(committed) && (cur.apiVersion() > cv.apiVersion() || (cur.apiVersion() == cv.apiVersion() && cur.build() >= cv.build()));
    if (!older) {
      return Check.fail("provisional_firmware", "committed firmware (" + committed + ", " + cv + ") is newer than current (" + current + ", " + cur + ")");
    }
    return permit ? Check.pass("provisional_firmware", "current firmware is provisional (newer than committed), permitted")
        : Check.fail("provisional_firmware", "current firmware is provisional (" + current + " vs committed " + committed + ")");
  }

  private static Check trusted(String name, Octets digest, java.util.Set<Octets> trusted) {
    return trusted.contains(digest) ? Check.pass(name, digest.hex() + " is trusted")
        : Check.fail(name, digest.hex() + " is not a trusted key digest");
  }

  private static Check bits(String name, long got, long required) {
    return Check.of((got & required) == required, name, String.format("0x%x must include 0x%x", got, required));
  }

  private static String policyBitName(int bit) {
    return switch (bit) {
      case GuestPolicy.SINGLE_SOCKET -> "single_socket";
      case GuestPolicy.MEM_AES_256_XTS -> "mem_aes_256_xts";
      case GuestPolicy.RAPL_DIS -> "rapl_dis";
      case GuestPolicy.CIPHERTEXT_HIDING -> "ciphertext_hiding";
      case GuestPolicy.PAGE_SWAP_DISABLE -> "page_swap_disable";
      default -> "bit_" + bit;
    };
  }

  /** The CEL variables a policy sees (for callers compiling one). */
  public static java.util.Set<String> celVariables() {
    return dev.cloister.attestation.cel.CelRule.VARIABLES;
  }

}
