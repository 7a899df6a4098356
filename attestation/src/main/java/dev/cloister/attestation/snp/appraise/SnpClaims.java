package dev.cloister.attestation.snp.appraise;

import dev.cloister.attestation.snp.abi.FirmwareVersion;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.snp.abi.TcbVersion;
import dev.cloister.attestation.snp.verify.VerifiedSnpReport;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The claims of an SEV-SNP report as a JSON-shaped map (snake_case keys, hex strings for bytes):
 * the one form that the CLI prints, CEL policies read and tokens carry.
 */
public final class SnpClaims {
  private SnpClaims() {}

  /** Claims of a verified report, with its product, platform kind and VEK product name. */
  public static Map<String, Object> of(VerifiedSnpReport v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("platform", v.platform().label());
    m.put("product", v.product().kdsName());
    m.put("vek_product_name", v.extensions().productName());
    m.putAll(ofReport(v.report(), Optional.of(v.product())));
    return m;
  }

  /**
   * Claims of a report that has not been verified ({@code attest inspect}); TCB fields are decoded
   * only when the product is known.
   */
  public static Map<String, Object> ofReport(SnpReport r, Optional<ProductLine> product) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", r.version());
    m.put("guest_svn", r.guestSvn());
    Map<String, Object> policy = new LinkedHashMap<>(r.policy().named());
    policy.put("raw", String.format("0x%x", r.policy().raw()));
    m.put("policy", policy);
    m.put("family_id", r.familyId().hex());
    m.put("image_id", r.imageId().hex());
    m.put("vmpl", r.vmpl());
    m.put("signature_algo", r.signatureAlgo());
    m.put("current_tcb", tcb(r.currentTcb(), product));
    Map<String, Object> platformInfo = new LinkedHashMap<>(r.platformInfo().named());
    platformInfo.put("raw", String.format("0x%x", r.platformInfo().raw()));
    m.put("platform_info", platformInfo);
    m.put("author_key_en", r.authorKeyEn());
    m.put("mask_chip_key", r.maskChipKey());
    m.put("signing_key", r.signingKey().name().toLowerCase(java.util.Locale.ROOT));
    m.put("report_data", r.reportData().hex());
    m.put("measurement", r.measurement().hex());
    m.put("host_data", r.hostData().hex());
    m.put("id_key_digest", r.idKeyDigest().hex());
    m.put("author_key_digest", r.authorKeyDigest().hex());
    m.put("report_id", r.reportId().hex());
    m.put("report_id_ma", r.reportIdMa().hex());
    m.put("reported_tcb", tcb(r.reportedTcb(), product));
    r.cpuid().ifPresent(c -> m.put("cpuid", Map.of("family", c.family(), "model", c.model(), "stepping", c.stepping())));
    m.put("chip_id", r.chipId().hex());
    m.put("committed_tcb", tcb(r.committedTcb(), product));
    m.put("current_version", version(r.currentVersion()));
    m.put("committed_version", version(r.committedVersion()));
    m.put("launch_tcb", tcb(r.launchTcb(), product));
    if (r.version() >= 5) {
      m.put("launch_mit_vector", r.launchMitVector());
      m.put("current_mit_vector", r.currentMitVector());
    }
    return m;
  }

  private static Map<String, Object> tcb(TcbVersion t, Optional<ProductLine> product) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("raw", t.hexBytes());
    product.ifPresent(p -> {
      TcbVersion.Parts parts = t.parts(p);
      if (parts.fmc() >= 0) {
        m.put("fmc", parts.fmc());
      }
      m.put("bootloader", parts.bootloader());
      m.put("tee", parts.tee());
      m.put("snp", parts.snp());
      m.put("microcode", parts.microcode());
    });
    return m;
  }

  private static Map<String, Object> version(FirmwareVersion v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("major", v.major());
    m.put("minor", v.minor());
    m.put("build", v.build());
    return m;
  }
}
