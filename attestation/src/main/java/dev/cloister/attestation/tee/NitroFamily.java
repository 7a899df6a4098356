package dev.cloister.attestation.tee;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.json.PolicyJson;
import dev.cloister.attestation.nitro.NitroAppraiser;
import dev.cloister.attestation.nitro.NitroDocument;
import dev.cloister.attestation.nitro.NitroPolicyFile;
import dev.cloister.attestation.nitro.NitroVerifier;
import dev.cloister.attestation.Certificates;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.VerificationException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * AWS Nitro Enclaves: the attestation document (the NSM's COSE_Sign1, untagged or with tag 18); for
 * KBS a string holding its standard base64 (Cloister's own: Trustee has no Nitro verifier). A KBS
 * session binds to the document's {@code user_data}, unpadded as Trustee does for variable-length
 * fields; the NSM {@code nonce} stays the application's.
 */
final class NitroFamily implements TeeFamily {
  @Override
  public String name() {
    return "nitro";
  }

  @Override
  public String format() {
    return NitroAppraiser.FORMAT;
  }

  @Override
  public boolean recognises(byte[] b) {
    return b.length > 1 && ((b[0] & 0xFF) == 0x84 || ((b[0] & 0xFF) == 0xD2 && (b[1] & 0xFF) == 0x84));
  }

  @Override
  public Binding binding() {
    return new Binding(48, "user_data");
  }

  @Override
  public Map<String, String> sessionBound() {
    return Map.of("user_data", "the broker binds user_data to each session; a policy cannot set it",
        "nonce", "the NSM nonce is the application's fresh value; a policy cannot fix it");
  }

  @Override
  public TeePolicy policy(byte[] json) {
    return new TeePolicy.Nitro(NitroPolicyFile.parse(PolicyJson.read(json)));
  }

  @Override
  public Verdict evaluate(Evidence evidence, Context c) throws AttestationException {
    byte[] document = switch (evidence) {
      case Evidence.Bytes b -> b.bytes();
      case Evidence.Json(var value) when value.isTextual() -> {
        try {
          yield Base64.getDecoder().decode(value.asText());
        } catch (IllegalArgumentException e) {
          throw new MalformedEvidenceException("tee-evidence", "nitro evidence is not standard base64");
        }
      }
      case Evidence.Json k -> throw new MalformedEvidenceException("tee-evidence", "nitro evidence must be a string holding the base64 attestation document");
    };
    NitroDocument parsed = NitroDocument.parse(document);
    // A simulated platform's root is trusted only when the caller passed it and allows simulation.
    X509Certificate root = parsed.cabundle().getFirst();
    boolean simulated = c.simulatedNitroRoots().contains(root);
    if (simulated && !c.allowSimulated()) {
      throw new VerificationException("nitro.cabundle[0]", "'" + root.getSubjectX500Principal().getName()
          + "' is a simulated platform's root, trusted only when simulation is allowed");
    }
    // The check lines name the pinned AWS root; other roots (simulated, tests, a caller's own) get a line naming theirs.
    NitroVerifier.Verified verified;
    if (c.nitroRoots().equals(List.of(NitroVerifier.awsRoot())) && !simulated) {
      verified = NitroVerifier.verifyReporting(document, c.clock());
    } else {
      List<X509Certificate> roots = new ArrayList<>(c.nitroRoots());
      if (simulated) {
        roots.add(root);
      }
      verified = new NitroVerifier.Verified(NitroVerifier.verify(parsed, roots, c.clock()),
          List.of(Check.pass("chain", "the document chains to " + (simulated ? "the simulated Nitro root '" : "the configured Nitro root '")
              + Certificates.commonName(root) + "', valid at " + c.clock().instant() + "; COSE_Sign1 signature verifies")));
    }
    if (c.verifyOnly()) {
      return new Verdict(format(), verified.checks(), Optional.empty(), NitroAppraiser.claims(verified.document()));
    }
    NitroAppraiser.Options file = c.policy(name()).orElse(null) instanceof TeePolicy.Nitro(var p) ? p : NitroAppraiser.Options.defaults();
    Map<Integer, Octets> pcrs = new TreeMap<>(file.pcrs());
    c.pcrs().forEach((i, v) -> {
      if (pcrs.put(i, v) != null) {
        throw new IllegalArgumentException("pcrs." + i + " pinned twice"); // callers refuse this first (TeePolicy#pins)
      }
    });
    var options = new NitroAppraiser.Options(file.allowDebug(), pcrs, file.nonce().or(c::nonce),
        c.sessionBinding().or(file::userData).or(c::userData), file.publicKey(), c.allowSimulated(), file.cel());
    AttestationResult result = NitroAppraiser.appraise(verified.document(), options);
    return new Verdict(format(), verified.checks(), Optional.of(result), result.claims());
  }
}
