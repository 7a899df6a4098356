package dev.cloister.attestation.azure;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.Check;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.snp.verify.SnpEvidence;
import dev.cloister.attestation.snp.verify.SnpVerifier;
import dev.cloister.attestation.snp.verify.VerifiedSnpReport;
import dev.cloister.attestation.snp.verify.VerifyOptions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Verifies Azure SEV-SNP confidential-VM evidence: the embedded SNP report exactly as any SNP
 * report (signature, VCEK chain to AMD, validity, binding); SHA-256 of the HCL runtime claims equal
 * to the first 32 bytes of its REPORT_DATA (so the claims, and the vTPM key in them, are attested);
 * the TPM quote's RSASSA-PKCS1-v1_5 SHA-256 signature by that key; and the quote's PCR digest
 * recomputed from the supplied PCR values.
 */
public final class AzureVtpmVerifier {
  private AzureVtpmVerifier() {}

  /** What verification established; only {@link #verify} builds one, so appraisal never sees unverified parts. */
  public static final class Verified {
    private final VerifiedSnpReport snp;
    private final HclReport hcl;
    private final TpmQuote quote;
    private final List<Octets> pcrs;
    private final List<Check> checks;

    private Verified(VerifiedSnpReport snp, HclReport hcl, TpmQuote quote, List<Octets> pcrs, List<Check> checks) {
      this.snp = snp;
      this.hcl = hcl;
      this.quote = quote;
      this.pcrs = List.copyOf(pcrs);
      this.checks = List.copyOf(checks);
    }

    public VerifiedSnpReport snp() {
      return snp;
    }

    public HclReport hcl() {
      return hcl;
    }

    public TpmQuote quote() {
      return quote;
    }

    public List<Octets> pcrs() {
      return pcrs;
    }

    /** What verification did, in order. */
    public List<Check> checks() {
      return checks;
    }
  }

  public static Verified verify(AzureVtpmEvidence e, VerifyOptions snpOptions) throws AttestationException {
    HclReport hcl = HclReport.parse(e.hclReport());
    SnpReport report = hcl.snp();
    VerifiedSnpReport snp = SnpVerifier.verify(SnpEvidence.of(report, e.vcek()), snpOptions);
    byte[] claimsDigest = Vtpm.sha256(hcl.runtimeClaims());
    if (!MessageDigest.isEqual(claimsDigest, Arrays.copyOf(report.reportData().toByteArray(), 32))) {
      throw new VerificationException("hcl_report.runtime_claims", "SHA-256 of the runtime claims does not match the SNP report data");
    }
    TpmQuote quote = TpmQuote.parse(e.quoteMessage());
    Vtpm.verifySignature(hcl.akPub(), quote.message(), e.quoteSignature());
    String pcrDigest = Vtpm.verifyPcrDigest(quote, e.pcrs());
    List<Check> checks = new ArrayList<>(snp.checks());
    checks.add(Check.pass("hcl_runtime_claims", "SHA-256 of the HCL runtime claims (with the vTPM key) equals the SNP report's REPORT_DATA[0:32]"));
    checks.add(Check.pass("tpm_quote.signature", "the TPM quote verifies (RSASSA-PKCS1-v1_5 SHA-256) with the attested HCLAkPub key"));
    checks.add(Check.pass("tpm_quote.pcr_digest", pcrDigest));
    return new Verified(snp, hcl, quote, e.pcrs(), checks);
  }
}
