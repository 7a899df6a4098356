package dev.cloister.attestation.dcap.tcb;

import static dev.cloister.attestation.dcap.tcb.CollateralJson.advisories;
import static dev.cloister.attestation.dcap.tcb.CollateralJson.array;
import static dev.cloister.attestation.dcap.tcb.CollateralJson.hex;
import static dev.cloister.attestation.dcap.tcb.CollateralJson.instant;
import static dev.cloister.attestation.dcap.tcb.CollateralJson.integer;
import static dev.cloister.attestation.dcap.tcb.CollateralJson.object;
import static dev.cloister.attestation.dcap.tcb.CollateralJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Intel's TCB info (SGX v2/v3, TDX v3), read from the exact bytes Intel signed. Levels are kept in
 * Intel's evaluation order (highest TCB first), whatever order the JSON lists them in.
 *
 * @param tdxModule the base TDX module identity (TDX only)
 * @param tdxModuleIdentities the per-version TDX module identities, e.g. {@code TDX_01} (TDX only)
 */
public record TcbInfo(
    String id,
    int version,
    Instant issueDate,
    Instant nextUpdate,
    Octets fmspc,
    Octets pceId,
    int tcbEvaluationDataNumber,
    List<Level> tcbLevels,
    Optional<TdxModule> tdxModule,
    List<TdxModuleIdentity> tdxModuleIdentities) {

  public static final String SGX = "SGX";
  public static final String TDX = "TDX";

  /** One TCB level: the minimum component SVNs and PCE SVN that earn {@code status}. */
  public record Level(int[] sgxComponents, int pceSvn, Optional<int[]> tdxComponents, Instant tcbDate, TcbStatus status, List<String> advisoryIds) {
    public Level {
      sgxComponents = sgxComponents.clone();
      tdxComponents = tdxComponents.map(int[]::clone);
      advisoryIds = List.copyOf(advisoryIds);
    }

    public int[] sgxComponents() {
      return sgxComponents.clone();
    }

    public Optional<int[]> tdxComponents() {
      return tdxComponents.map(int[]::clone);
    }
  }

  /** MRSIGNER and attributes (under mask) a TDX module must have. */
  public record TdxModule(Octets mrsigner, Octets attributes, Octets attributesMask) {}

  /** A TDX module identity for one module major version, with its own ISVSVN levels. */
  public record TdxModuleIdentity(String id, TdxModule module, List<ModuleLevel> tcbLevels) {
    public TdxModuleIdentity {
      tcbLevels = List.copyOf(tcbLevels);
    }
  }

  public record ModuleLevel(int isvSvn, Instant tcbDate, TcbStatus status, List<String> advisoryIds) {
    public ModuleLevel {
      advisoryIds = List.copyOf(advisoryIds);
    }
  }

  public TcbInfo {
    tcbLevels = List.copyOf(tcbLevels);
    tdxModuleIdentities = List.copyOf(tdxModuleIdentities);
  }

  public boolean tdx() {
    return TDX.equals(id);
  }

  /**
   * Parses the signed {@code tcbInfo} object.
   *
   * @param signed the exact bytes covered by Intel's signature
   */
  public static TcbInfo parse(byte[] signed) throws MalformedEvidenceException {
    String f = "tcb_info";
    JsonNode n = CollateralJson.read(signed, f);
    String id = n.has("id") ? text(n, "id", f) : SGX; // version 2 SGX TCB info predates the id field
    int version = integer(n, "version", 1000, f);
    boolean ok = switch (id) {
      case SGX -> version == 2 || version == 3;
      case TDX -> version == 3;
      default -> false;
    };
    if (!ok) {
      throw new MalformedEvidenceException(f + ".version", "unsupported TCB info " + id + " version " + version + " (supported: SGX 2 and 3, TDX 3)");
    }
    boolean tdx = TDX.equals(id);
    List<Level> levels = new ArrayList<>();
    List<JsonNode> raw = array(n, "tcbLevels", f);
    if (raw.isEmpty()) {
      throw new MalformedEvidenceException(f + ".tcbLevels", "empty");
    }
    for (int i = 0; i < raw.size(); i++) {
      levels.add(level(raw.get(i), version, tdx, f + ".tcbLevels[" + i + "]"));
    }
    levels.sort(INTEL_ORDER);
    Optional<TdxModule> module = Optional.empty();
    List<TdxModuleIdentity> identities = new ArrayList<>();
    if (tdx) {
      module = Optional.of(module(object(n, "tdxModule", f), f + ".tdxModule"));
      if (n.has("tdxModuleIdentities")) {
        List<JsonNode> ids = array(n, "tdxModuleIdentities", f);
        for (int i = 0; i < ids.size(); i++) {
          String g = f + ".tdxModuleIdentities[" + i + "]";
          JsonNode m = ids.get(i);
          List<ModuleLevel> ml = new ArrayList<>();
          List<JsonNode> rl = array(m, "tcbLevels", g);
          for (int j = 0; j < rl.size(); j++) {
            String h = g + ".tcbLevels[" + j + "]";
            JsonNode l = rl.get(j);
            ml.add(new ModuleLevel(integer(object(l, "tcb", h), "isvsvn", 0xFF, h + ".tcb"), instant(l, "tcbDate", h),
                TcbStatus.parse(h + ".tcbStatus", text(l, "tcbStatus", h)), advisories(l, h)));
          }
          ml.sort(Comparator.comparingInt(ModuleLevel::isvSvn).reversed());
          identities.add(new TdxModuleIdentity(text(m, "id", g), module(m, g), ml));
        }
      }
    }
    return new TcbInfo(id, version, instant(n, "issueDate", f), instant(n, "nextUpdate", f), hex(n, "fmspc", 6, f), hex(n, "pceId", 2, f),
        n.has("tcbEvaluationDataNumber") ? integer(n, "tcbEvaluationDataNumber", Integer.MAX_VALUE, f) : 0, levels, module, identities);
  }

  private static Level level(JsonNode l, int version, boolean tdx, String f) throws MalformedEvidenceException {
    JsonNode tcb = object(l, "tcb", f);
    String g = f + ".tcb";
    int[] sgx = new int[16];
    Optional<int[]> tdxComps = Optional.empty();
    if (version == 2) {
      for (int i = 0; i < 16; i++) {
        sgx[i] = integer(tcb, String.format("sgxtcbcomp%02dsvn", i + 1), 0xFF, g);
      }
    } else {
      sgx = components(tcb, "sgxtcbcomponents", g);
      if (tdx) {
        tdxComps = Optional.of(components(tcb, "tdxtcbcomponents", g));
      }
    }
    return new Level(sgx, integer(tcb, "pcesvn", 0xFFFF, g), tdxComps, instant(l, "tcbDate", f), TcbStatus.parse(f + ".tcbStatus", text(l, "tcbStatus", f)),
        advisories(l, f));
  }

  private static int[] components(JsonNode tcb, String name, String f) throws MalformedEvidenceException {
    List<JsonNode> c = array(tcb, name, f);
    if (c.size() != 16) {
      throw new MalformedEvidenceException(f + "." + name, "must list 16 components, has " + c.size());
    }
    int[] out = new int[16];
    for (int i = 0; i < 16; i++) {
      out[i] = integer(c.get(i), "svn", 0xFF, f + "." + name + "[" + i + "]");
    }
    return out;
  }

  private static TdxModule module(JsonNode m, String f) throws MalformedEvidenceException {
    return new TdxModule(hex(m, "mrsigner", 48, f), hex(m, "attributes", 8, f), hex(m, "attributesMask", 8, f));
  }

  /**
   * Intel's library keeps levels in a set ordered by SGX components, then PCE SVN, then TDX
   * components, highest first, and takes the first that matches: the JSON order must not matter.
   */
  private static final Comparator<Level> INTEL_ORDER = ((Comparator<Level>) (a, b) -> Arrays.compare(a.sgxComponents, b.sgxComponents))
      .thenComparingInt(Level::pceSvn)
      .thenComparing((a, b) -> Arrays.compare(a.tdxComponents.orElse(new int[0]), b.tdxComponents.orElse(new int[0])))
      .reversed();
}
