package dev.cloister.attestation.dcap.tcb;

import dev.cloister.attestation.VerificationException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * Intel's TCB level selection and status convergence (Intel's quote verification library,
 * TcbLevelCheck, TdxModuleCheck and TDRelaunchCheck; written anew from their published behaviour).
 * Inputs are already verified: the PCK certificate's TCB, the quote's TEE TCB SVNs, signed TCB info
 * and the QE's matched level.
 */
final class TcbEvaluator {
  private TcbEvaluator() {}

  /** The TDX-specific inputs of a quote: TEE_TCB_SVN, MRSIGNERSEAM and SEAMATTRIBUTES, and TEE_TCB_SVN2 for TD 1.5. */
  record TdxInputs(int quoteVersion, byte[] teeTcbSvn, byte[] mrSignerSeam, byte[] seamAttributes, Optional<byte[]> teeTcbSvn2) {}

  record Outcome(TcbStatus status, TcbStatus platformStatus, Optional<TcbStatus> moduleStatus, Instant tcbDate, List<String> advisoryIds) {}

  static Outcome evaluate(TcbInfo info, PckExtensions pck, Optional<TdxInputs> tdx, QeIdentity.Level qe) throws VerificationException {
    int[] pckComps = pck.sgxTcbComponents();
    TcbInfo.Level sgxLevel = null;
    TcbInfo.Level tdxLevel = null;
    for (TcbInfo.Level l : info.tcbLevels()) {
      if (!atLeast(pckComps, l.sgxComponents(), 0) || pck.pceSvn() < l.pceSvn()) {
        continue;
      }
      if (tdx.isEmpty()) {
        sgxLevel = l;
        break;
      }
      if (sgxLevel == null) {
        sgxLevel = l;
      }
      byte[] svn = tdx.get().teeTcbSvn();
      int[] tee = new int[16];
      for (int i = 0; i < 16; i++) {
        tee[i] = svn[i] & 0xFF;
      }
      // With a TDX module version (byte 1) set, bytes 0 and 1 are judged by the module identity instead.
      if (atLeast(tee, l.tdxComponents().orElseThrow(), tee[1] > 0 ? 2 : 0)) {
        tdxLevel = l;
        break;
      }
    }
    if (sgxLevel == null || (tdx.isPresent() && tdxLevel == null)) {
      throw new VerificationException("tcb_info.tcbLevels", "no matching TCB level: the platform's " + (sgxLevel == null ? "PCK TCB (SGX components, PCE SVN)" : "TEE_TCB_SVN")
          + " is below every level Intel lists for FMSPC " + pck.fmspc().hex() + " (TCB level not supported)");
    }
    LinkedHashSet<String> advisories = new LinkedHashSet<>();
    if (tdx.isEmpty()) {
      advisories.addAll(sgxLevel.advisoryIds());
      advisories.addAll(qe.advisoryIds());
      return new Outcome(withQe(sgxLevel.status(), qe.status()), sgxLevel.status(), Optional.empty(), sgxLevel.tcbDate(), new ArrayList<>(advisories));
    }
    TdxInputs in = tdx.get();
    advisories.addAll(tdxLevel.advisoryIds());
    Optional<TcbInfo.ModuleLevel> module = module(info, in);
    TcbStatus moduleStatus = module.map(TcbInfo.ModuleLevel::status).orElse(TcbStatus.UP_TO_DATE);
    module.ifPresent(m -> advisories.addAll(m.advisoryIds()));
    TcbStatus status = withModule(tdxLevel.status(), moduleStatus);
    if (status != TcbStatus.REVOKED && in.teeTcbSvn2().isPresent()) {
      status = relaunch(info, in.teeTcbSvn2().get(), sgxLevel.status(), status, moduleStatus, qe.status());
    }
    advisories.addAll(qe.advisoryIds());
    return new Outcome(withQe(status, qe.status()), tdxLevel.status(), Optional.of(moduleStatus), tdxLevel.tcbDate(), new ArrayList<>(advisories));
  }

  private static boolean atLeast(int[] have, int[] need, int from) {
    for (int i = from; i < 16; i++) {
      if (have[i] < need[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * The TDX module's own level: none for a version 4+ quote whose module version (TEE_TCB_SVN[1])
   * is 0, else the identity {@code TDX_<version>} and its first level at or below the module ISVSVN.
   * MRSIGNERSEAM must match that identity, or the base module; SEAMATTRIBUTES must be zero and equal
   * to what Intel lists, unmasked.
   */
  private static Optional<TcbInfo.ModuleLevel> module(TcbInfo info, TdxInputs in) throws VerificationException {
    int version = in.teeTcbSvn()[1] & 0xFF;
    int isvSvn = in.teeTcbSvn()[0] & 0xFF;
    TcbInfo.TdxModule expected = info.tdxModule().orElseThrow(() -> new VerificationException("tcb_info.tdxModule", "missing for a TDX quote"));
    Optional<TcbInfo.ModuleLevel> level = Optional.empty();
    String attributesField = "tcb_info.tdxModule.attributes";
    if (version > 0 || in.quoteVersion() <= 3) {
      String id = String.format("TDX_%02X", version);
      TcbInfo.TdxModuleIdentity identity = info.tdxModuleIdentities().stream().filter(m -> m.id().equalsIgnoreCase(id)).findFirst()
          .orElseThrow(() -> new VerificationException("tcb_info.tdxModuleIdentities", "no TDX module identity " + id + " for TEE_TCB_SVN[1] = " + version + " (TDX module mismatch)"));
      expected = identity.module();
      attributesField = "tcb_info.tdxModuleIdentities." + id + ".attributes";
      level = Optional.of(identity.tcbLevels().stream().filter(l -> isvSvn >= l.isvSvn()).findFirst()
          .orElseThrow(() -> new VerificationException("tcb_info.tdxModuleIdentities." + id + ".tcbLevels",
              "no level at or below TDX module ISVSVN " + isvSvn + " (TCB level not supported)")));
    }
    if (!Arrays.equals(in.mrSignerSeam(), expected.mrsigner().toByteArray())) {
      throw new VerificationException("quote.td_report.mrsignerseam", "is not the TDX module signer Intel lists (" + expected.mrsigner().hex() + ")");
    }
    // Intel's QuoteVerifier (4.1.2.4.11.2) compares SEAMATTRIBUTES byte for byte, without the mask, and
    // requires them zero (must-be-zero in TDX 1.0 and 1.5): so both the quote's and Intel's listed value must be zero.
    byte[] want = expected.attributes().toByteArray();
    if (!Arrays.equals(in.seamAttributes(), new byte[8])) {
      throw new VerificationException("quote.td_report.seam_attributes", "are " + HexFormat.of().formatHex(in.seamAttributes()) + "; Intel requires them zero");
    }
    if (!Arrays.equals(want, new byte[8])) {
      throw new VerificationException(attributesField, "Intel lists " + HexFormat.of().formatHex(want)
          + " for the TDX module, which zero SEAMATTRIBUTES cannot equal (TDX module mismatch)");
    }
    return level;
  }

  /** Intel: an OutOfDate TDX module makes an otherwise current platform OutOfDate; a revoked one revokes. */
  static TcbStatus withModule(TcbStatus platform, TcbStatus module) {
    if (module == TcbStatus.OUT_OF_DATE) {
      switch (platform) {
        case UP_TO_DATE, SW_HARDENING_NEEDED -> {
          return TcbStatus.OUT_OF_DATE;
        }
        case CONFIGURATION_NEEDED, CONFIGURATION_AND_SW_HARDENING_NEEDED -> {
          return TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED;
        }
        default -> {}
      }
    }
    return module == TcbStatus.REVOKED ? TcbStatus.REVOKED : platform;
  }

  /** Intel: the same rule for the quoting enclave's own level. */
  static TcbStatus withQe(TcbStatus platform, TcbStatus qe) {
    return withModule(platform, qe);
  }

  /**
   * TDX 1.5: when only the TDX parts are out of date and TEE_TCB_SVN2 (what a relaunched TD would
   * report) reaches the newest level, Intel reports "TD relaunch advised" instead of OutOfDate.
   */
  private static TcbStatus relaunch(TcbInfo info, byte[] svn2, TcbStatus sgx, TcbStatus tdx, TcbStatus module, TcbStatus qe) throws VerificationException {
    if (qe == TcbStatus.OUT_OF_DATE || qe == TcbStatus.REVOKED) {
      return tdx;
    }
    boolean sgxCurrent = switch (sgx) {
      case UP_TO_DATE, SW_HARDENING_NEEDED, CONFIGURATION_NEEDED, CONFIGURATION_AND_SW_HARDENING_NEEDED -> true;
      default -> false;
    };
    if (!sgxCurrent || (tdx != TcbStatus.OUT_OF_DATE && tdx != TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED) || module != TcbStatus.OUT_OF_DATE) {
      return tdx;
    }
    int[] latest = info.tcbLevels().getFirst().tdxComponents().orElseThrow();
    int isv2 = svn2[0] & 0xFF;
    int version2 = svn2[1] & 0xFF;
    int need;
    if (version2 == 0) {
      need = latest[0];
    } else {
      String id = String.format("TDX_%02X", version2);
      TcbInfo.TdxModuleIdentity identity = info.tdxModuleIdentities().stream().filter(m -> m.id().equalsIgnoreCase(id)).findFirst()
          .orElseThrow(() -> new VerificationException("tcb_info.tdxModuleIdentities", "no TDX module identity " + id + " for TEE_TCB_SVN2[1] (TDX module mismatch)"));
      if (identity.tcbLevels().isEmpty()) {
        throw new VerificationException("tcb_info.tdxModuleIdentities." + id + ".tcbLevels", "empty (TCB level not supported)");
      }
      need = identity.tcbLevels().getFirst().isvSvn();
    }
    if (isv2 >= need && (svn2[2] & 0xFF) >= latest[2]) {
      return sgx.configurationNeeded() || tdx.configurationNeeded() ? TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED : TcbStatus.TD_RELAUNCH_ADVISED;
    }
    return tdx;
  }
}
