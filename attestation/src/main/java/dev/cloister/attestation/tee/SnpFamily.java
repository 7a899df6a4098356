package dev.cloister.attestation.tee;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.snp.appraise.SnpAppraisalOptions;
import dev.cloister.attestation.snp.appraise.SnpAppraiser;
import dev.cloister.attestation.snp.appraise.SnpClaims;
import dev.cloister.attestation.snp.appraise.SnpPolicyFile;
import dev.cloister.attestation.snp.evidence.SnpEvidenceCodec;
import dev.cloister.attestation.snp.verify.CertificateSource;
import dev.cloister.attestation.snp.verify.KdsCache;
import dev.cloister.attestation.snp.verify.KdsClient;
import dev.cloister.attestation.snp.verify.SnpEvidence;
import dev.cloister.attestation.snp.verify.SnpVerifier;
import dev.cloister.attestation.snp.verify.TrustAnchor;
import dev.cloister.attestation.snp.verify.VerifiedSnpReport;
import dev.cloister.attestation.snp.verify.VerifyOptions;
import dev.cloister.attestation.snp.abi.ProductLine;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * AMD SEV-SNP: a raw 1184-byte report or Trustee's SNP evidence JSON (for KBS: the JSON object, or a
 * string holding the base64 of a raw report whose VCEK then comes from the KDS cache).
 */
final class SnpFamily implements TeeFamily {
  private static final int REPORT_SIZE = 0x4A0;

  /** What the verifier's options are made of: a context differing only in its session binding reuses the verifier. */
  private record VerifierKey(Clock clock, Optional<Path> kdsCache, boolean kdsFetch, List<X509CRL> crls, boolean requireCrl,
      Optional<ProductLine> product, List<TrustAnchor> simulatedAnchors) {
    static VerifierKey of(Context c) {
      return new VerifierKey(c.clock(), c.kdsCache(), c.kdsFetch(), c.crls(), c.requireCrl(), c.product(), c.simulatedAnchors());
    }
  }

  // The broker evaluates every KBS attestation with the same options: one verifier keeps its VEK and
  // chain cache across them (each new verifier re-checks the RSA-PSS chain, the release path's main cost).
  private final AtomicReference<Map.Entry<VerifierKey, SnpVerifier>> verifier = new AtomicReference<>();

  private SnpVerifier verifier(Context c) {
    VerifierKey key = VerifierKey.of(c);
    Map.Entry<VerifierKey, SnpVerifier> last = verifier.get();
    if (last != null && last.getKey().equals(key)) {
      return last.getValue();
    }
    SnpVerifier v = new SnpVerifier(verifyOptions(c, true));
    verifier.set(Map.entry(key, v));
    return v;
  }

  @Override
  public String name() {
    return "snp";
  }

  @Override
  public String format() {
    return "sev-snp";
  }

  @Override
  public boolean recognises(byte[] b) {
    if (TeeFamilies.jsonObject(b).map(n -> n.has("attestation_report")).orElse(false)) {
      return true;
    }
    if (b.length != REPORT_SIZE) {
      return false;
    }
    int version = (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
    return version >= 2 && version <= 5;
  }

  @Override
  public Binding binding() {
    return new Binding(64, "report_data");
  }

  @Override
  public Map<String, String> sessionBound() {
    return Map.of("report_data", "the broker binds REPORT_DATA to each session; a policy cannot set it");
  }

  @Override
  public TeePolicy policy(byte[] json) {
    return new TeePolicy.Snp(SnpPolicyFile.parse(json));
  }

  @Override
  public Verdict evaluate(Evidence evidence, Context c) throws AttestationException {
    SnpEvidence ev = switch (evidence) {
      case Evidence.Bytes b -> SnpEvidenceCodec.decode(b.bytes());
      case Evidence.Json(var value) when value.isTextual() -> {
        byte[] bytes;
        try {
          bytes = Base64.getDecoder().decode(value.asText());
        } catch (IllegalArgumentException e) {
          throw new MalformedEvidenceException("tee-evidence", "a string must be the base64 of a raw SEV-SNP report");
        }
        yield SnpEvidenceCodec.decode(bytes);
      }
      case Evidence.Json(var value) when value.isObject() -> SnpEvidenceCodec.decodeTrusteeJson(value);
      case Evidence.Json k -> throw new MalformedEvidenceException("tee-evidence", "must be an object or a base64 string");
    };
    List<X509Certificate> chain = new ArrayList<>(ev.chain());
    chain.addAll(c.chain());
    VerifiedSnpReport verified = verifier(c).verify(new SnpEvidence(ev.report(), c.vek().or(ev::vek), chain));
    if (c.verifyOnly()) {
      return new Verdict(format(), verified.checks(), Optional.empty(), SnpClaims.of(verified));
    }
    SnpAppraisalOptions.Builder o = appraisalOptions(c, name(), true).toBuilder();
    c.sessionBinding().ifPresent(o::reportData);
    AttestationResult result = SnpAppraiser.appraise(verified, o.build());
    return new Verdict(format(), verified.checks(), Optional.of(result), result.claims());
  }

  /** AMD's roots, plus the caller's simulated ones when the family takes them (SEV-SNP, plain or az-snp-vtpm; the appraisal still refuses simulation unless allowed). */
  static VerifyOptions verifyOptions(Context c, boolean withSimulated) {
    VerifyOptions.Builder b = VerifyOptions.builder().clock(c.clock()).crls(c.crls()).requireRevocationCheck(c.requireCrl());
    c.product().ifPresent(b::product);
    CertificateSource source = CertificateSource.none();
    if (c.kdsCache().isPresent()) {
      source = new KdsCache(c.kdsCache().get());
    }
    if (c.kdsFetch()) {
      source = source.orElse(new KdsClient(KdsClient.AMD_KDS, KdsClient.jdkGetter(), c.kdsCache().map(KdsCache::new)));
    }
    b.certificates(source);
    if (withSimulated) {
      c.simulatedAnchors().forEach(b::addTrustAnchor);
    }
    return b.build();
  }

  /** The family's policy file, else the defaults; simulation only from the caller's own flag, never from a file. */
  static SnpAppraisalOptions appraisalOptions(Context c, String family, boolean withSimulated) {
    SnpAppraisalOptions o = c.policy(family).orElse(null) instanceof TeePolicy.Snp(var s) ? s : SnpAppraisalOptions.defaults();
    return o.toBuilder().allowSimulated(withSimulated && c.allowSimulated()).build();
  }
}
