package dev.cloister.attestation.nitro;

import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.cel.CelExpression;
import dev.cloister.attestation.cel.CelRule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Policy on a verified Nitro document: a root other than AWS's refused unless simulation is allowed, debug enclaves refused unless allowed, pinned PCRs, the
 * expected nonce, user data or public key, and an optional CEL rule over the claims. Claims carry every PCR in hex.
 */
public final class NitroAppraiser {
  public static final String FORMAT = "nitro";

  /** This appraiser's capability to build results (see {@link AttestationResult#minter}). */
  private static final AttestationResult.Minter RESULTS = AttestationResult.minter(java.lang.invoke.MethodHandles.lookup());

  private NitroAppraiser() {}

  /** What the document must say; empty fields are not checked. */
  public record Options(boolean allowDebug, Map<Integer, Octets> pcrs, Optional<Octets> nonce, Optional<Octets> userData, Optional<Octets> publicKey,
      boolean allowSimulated, Optional<CelExpression> cel) {
    /** Without a CEL rule. */
    public Options(boolean allowDebug, Map<Integer, Octets> pcrs, Optional<Octets> nonce, Optional<Octets> userData, Optional<Octets> publicKey,
        boolean allowSimulated) {
      this(allowDebug, pcrs, nonce, userData, publicKey, allowSimulated, Optional.empty());
    }

    /** Hardware only: a document from any root but AWS's is refused. */
    public Options(boolean allowDebug, Map<Integer, Octets> pcrs, Optional<Octets> nonce, Optional<Octets> userData, Optional<Octets> publicKey) {
      this(allowDebug, pcrs, nonce, userData, publicKey, false);
    }

    public static Options defaults() {
      return new Options(false, Map.of(), Optional.empty(), Optional.empty(), Optional.empty());
    }
  }

  public static Map<String, Object> claims(VerifiedNitroDocument verified) {
    NitroDocument d = verified.document();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("platform", verified.platform().label());
    c.put("module_id", d.moduleId());
    c.put("timestamp", d.timestamp().toString());
    c.put("debug", d.debugMode());
    Map<String, Object> pcrs = new LinkedHashMap<>();
    d.pcrs().forEach((i, v) -> pcrs.put(Integer.toString(i), v.hex()));
    c.put("pcrs", pcrs);
    d.publicKey().ifPresent(v -> c.put("public_key", v.hex()));
    d.userData().ifPresent(v -> c.put("user_data", v.hex()));
    d.nonce().ifPresent(v -> c.put("nonce", v.hex()));
    return c;
  }

  public static AttestationResult appraise(VerifiedNitroDocument v, Options o) {
    NitroDocument d = v.document();
    List<Check> checks = new java.util.ArrayList<>();
    checks.add(v.platform() == PlatformKind.HARDWARE || o.allowSimulated()
        ? Check.pass("platform", v.platform().label())
        : Check.fail("platform", "the document chains to a root other than AWS's pinned Nitro root, and simulation is not allowed"));
    checks.add(d.debugMode() && !o.allowDebug() ? Check.fail("debug", "PCR0, PCR1 and PCR2 are zero: a debug-mode enclave")
        : Check.pass("debug", d.debugMode() ? "debug mode, allowed" : "not debug mode"));
    o.pcrs().forEach((i, want) -> {
      Octets got = d.pcrs().get(i);
      checks.add(want.equals(got) ? Check.pass("pcr" + i, "matches") : Check.fail("pcr" + i, "got " + (got == null ? "none" : got.hex()) + ", expected " + want.hex()));
    });
    exact(checks, "nonce", d.nonce(), o.nonce());
    exact(checks, "user_data", d.userData(), o.userData());
    exact(checks, "public_key", d.publicKey(), o.publicKey());
    Map<String, Object> claims = claims(v);
    o.cel().ifPresent(rule -> checks.add(CelRule.check(rule, claims)));
    return RESULTS.of(FORMAT, v.platform(), claims, checks);
  }

  private static void exact(List<Check> checks, String name, Optional<Octets> got, Optional<Octets> want) {
    want.ifPresent(w -> checks.add(got.isPresent() && w.equals(got.get()) ? Check.pass(name, "matches")
        : Check.fail(name, "got " + got.map(Octets::hex).orElse("none") + ", expected " + w.hex())));
  }
}
