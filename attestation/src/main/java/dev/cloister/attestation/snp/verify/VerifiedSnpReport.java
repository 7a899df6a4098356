package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.Check;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.SnpReport;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * A report whose signature, certificate chain, validity and certificate-to-report binding have
 * been checked by {@link SnpVerifier}. Appraisal takes only this type, so policy never runs on
 * unverified bytes. (Tests of appraisal may construct one directly.)
 *
 * @param report the parsed report
 * @param product the product line the chain and CPUID agree on
 * @param platform hardware or simulated, from the trust anchor
 * @param vek the VCEK or VLEK that signed the report
 * @param extensions the VEK's AMD extensions
 * @param anchor the trust anchor the chain ended in
 * @param verifiedAt the time at which validity periods were checked
 * @param checks what verification did, in order: signature, chain (to which root), validity (at
 *     which time), revocation (which CRL, from where, or that none was checked), binding
 */
public record VerifiedSnpReport(
    SnpReport report,
    ProductLine product,
    PlatformKind platform,
    X509Certificate vek,
    VekExtensions extensions,
    TrustAnchor anchor,
    Instant verifiedAt,
    List<Check> checks) {
  public VerifiedSnpReport {
    checks = List.copyOf(checks);
  }
}
