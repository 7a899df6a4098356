package dev.cloister.attestation.azure;

import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.snp.verify.SnpEvidence;
import dev.cloister.attestation.snp.verify.SnpVerifier;
import dev.cloister.attestation.snp.verify.VerifiedSnpReport;
import dev.cloister.attestation.snp.verify.VerifyOptions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
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

  /** What verification established. */
  public record Verified(VerifiedSnpReport snp, HclReport hcl, TpmQuote quote, List<Octets> pcrs) {}

  public static Verified verify(AzureVtpmEvidence e, VerifyOptions snpOptions) throws AttestationException {
    HclReport hcl = HclReport.parse(e.hclReport());
    VerifiedSnpReport snp = SnpVerifier.verify(SnpEvidence.of(hcl.snp(), e.vcek()), snpOptions);
    byte[] claimsDigest = sha256(hcl.runtimeClaims());
    if (!MessageDigest.isEqual(claimsDigest, Arrays.copyOf(hcl.snp().reportData().toByteArray(), 32))) {
      throw new VerificationException("hcl_report.runtime_claims", "SHA-256 of the runtime claims does not match the SNP report data");
    }
    TpmQuote quote = TpmQuote.parse(e.quoteMessage());
    try {
      Signature s = Signature.getInstance("SHA256withRSA");
      s.initVerify(hcl.akPub());
      s.update(quote.message());
      if (!s.verify(e.quoteSignature())) {
        throw new VerificationException("tpm_quote.signature", "does not verify with the attested HCLAkPub key");
      }
    } catch (GeneralSecurityException ex) {
      throw new VerificationException("tpm_quote.signature", "cannot be checked with the attested HCLAkPub key");
    }
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      for (TpmQuote.Selection sel : quote.selections()) {
        if (sel.hashAlg() != TpmQuote.TPM_ALG_SHA256) {
          throw new VerificationException("tpm_quote.pcr_select", "only the SHA-256 PCR bank is supported");
        }
        for (int i : sel.pcrs()) {
          if (i >= e.pcrs().size()) {
            throw new VerificationException("tpm_quote.pcr_select", "PCR " + i + " selected but not supplied");
          }
          d.update(e.pcrs().get(i).toByteArray());
        }
      }
      if (!quote.pcrDigest().contentEquals(d.digest())) {
        throw new VerificationException("tpm_quote.pcr_digest", "the supplied PCR values do not hash to the quoted digest");
      }
    } catch (GeneralSecurityException ex) {
      throw new IllegalStateException(ex);
    }
    return new Verified(snp, hcl, quote, e.pcrs());
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (GeneralSecurityException ex) {
      throw new IllegalStateException(ex);
    }
  }
}
