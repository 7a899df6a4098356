package dev.cloister.enclave.vtpm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.azure.HclReport;
import dev.cloister.attestation.dcap.abi.TdReport;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.enclave.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * An Azure confidential VM (SEV-SNP or TDX behind Microsoft's HCL paravisor) as a {@link Platform}:
 * each evidence call reads the HCL report from the vTPM, quotes PCRs 0..23 with the report data as
 * the quote's nonce, and writes Trustee's evidence JSON, exactly what the broker's {@code az-snp-vtpm}
 * and {@code az-tdx-vtpm} families verify:
 *
 * <ul>
 *   <li>{@code az-snp-vtpm}, version 2 as Trustee's attester writes it: {@code tpm_quote} (hex
 *       signature, message, 24 PCRs), {@code hcl_report} and {@code vcek} (DER) as URL-safe base64.
 *       The VCEK comes from a {@link VcekSource}: on Azure, IMDS ({@link AzureImds#vcek()}).
 *   <li>{@code az-tdx-vtpm}, version 1: the same {@code tpm_quote}, {@code hcl_report} and the TD
 *       quote of the HCL report's TDREPORT, which only the host's quoting service can produce (Azure
 *       IMDS in Trustee); it comes from a {@link TdQuoteSource} the caller provides.
 * </ul>
 *
 * The TPM is opened for each evidence call and closed after it (the kernel's resource manager then
 * drops whatever the call left).
 */
public final class AzureVtpmPlatform implements Platform {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The two Azure CVM families, by the HCL report's type. */
  public enum Family {
    SNP("az-snp-vtpm"),
    TDX("az-tdx-vtpm");

    private final String tee;

    Family(String tee) {
      this.tee = tee;
    }

    /** The KBS {@code tee} name. */
    public String tee() {
      return tee;
    }
  }

  /** Opens the TPM: {@code /dev/tpmrm0} on a real machine. */
  @FunctionalInterface
  public interface TpmOpener {
    TpmTransport open() throws IOException;
  }

  /** The VCEK that signed an SEV-SNP report (Azure serves it from IMDS). */
  @FunctionalInterface
  public interface VcekSource {
    X509Certificate vcek(SnpReport report) throws IOException;
  }

  /** Turns a TDREPORT into a TD quote (on Azure, the host's quoting service behind IMDS). */
  @FunctionalInterface
  public interface TdQuoteSource {
    byte[] tdQuote(byte[] tdReport) throws IOException;
  }

  private final TpmOpener tpm;
  private final Family family;
  private final Optional<VcekSource> vceks;
  private final Optional<TdQuoteSource> tdQuotes;
  private final Identity identity;

  private AzureVtpmPlatform(TpmOpener tpm, Family family, Optional<VcekSource> vceks, Optional<TdQuoteSource> tdQuotes, Identity identity) {
    this.tpm = tpm;
    this.family = family;
    this.vceks = vceks;
    this.tdQuotes = tdQuotes;
    this.identity = identity;
  }

  /** Whether this machine is an Azure confidential VM: {@code /dev/tpmrm0} holds an HCL report of SEV-SNP or TDX. */
  public static boolean present() {
    return Files.exists(TpmTransport.TPMRM0) && detect(() -> TpmTransport.device(TpmTransport.TPMRM0)).isPresent();
  }

  /** The family whose HCL report the TPM holds; empty if it holds none, or none that parses. */
  public static Optional<Family> detect(TpmOpener tpm) {
    try (TpmTransport t = tpm.open()) {
      return Optional.of(familyOf(HclReport.parse(new AzureVtpm(t).hclReport())));
    } catch (IOException | TpmException | MalformedEvidenceException e) {
      return Optional.empty();
    }
  }

  /**
   * The platform on this machine's {@code /dev/tpmrm0}: for an SEV-SNP CVM with its VCEK from Azure
   * IMDS; a TDX CVM needs {@link #open(TpmOpener, PlatformKind, VcekSource, TdQuoteSource)} with a TD
   * quote source.
   */
  public static AzureVtpmPlatform open() throws IOException, TpmException, MalformedEvidenceException {
    return open(() -> TpmTransport.device(TpmTransport.TPMRM0), PlatformKind.HARDWARE, AzureImds.vcek(), null);
  }

  /**
   * The platform on the given TPM, as its HCL report says it is launched.
   *
   * @param kind what the identity reports: {@link PlatformKind#HARDWARE} on Azure, {@link
   *     PlatformKind#SIMULATED} for an HCL report from the simulated platform
   * @param vceks required for an SEV-SNP HCL report
   * @param tdQuotes required for a TDX HCL report
   * @throws MalformedEvidenceException if the NV index does not hold an HCL report
   * @throws IllegalArgumentException if the family's source is missing
   */
  public static AzureVtpmPlatform open(TpmOpener tpm, PlatformKind kind, VcekSource vceks, TdQuoteSource tdQuotes)
      throws IOException, TpmException, MalformedEvidenceException {
    Objects.requireNonNull(tpm, "tpm");
    Objects.requireNonNull(kind, "kind");
    HclReport hcl;
    try (TpmTransport t = tpm.open()) {
      hcl = HclReport.parse(new AzureVtpm(t).hclReport());
    }
    Family family = familyOf(hcl);
    Identity identity = switch (family) {
      case SNP -> {
        if (vceks == null) {
          throw new IllegalArgumentException("az-snp-vtpm needs a VCEK source");
        }
        SnpReport r = hcl.snp();
        yield new Identity(kind, r.measurement(), r.hostData());
      }
      case TDX -> {
        if (tdQuotes == null) {
          throw new IllegalArgumentException("az-tdx-vtpm needs a TD quote source (Azure's quoting service is not reachable from here)");
        }
        TdReport body = hcl.td().body();
        yield new Identity(kind, body.mrTd(), body.mrConfigId());
      }
    };
    return new AzureVtpmPlatform(tpm, family, Optional.ofNullable(vceks), Optional.ofNullable(tdQuotes), identity);
  }

  private static Family familyOf(HclReport hcl) {
    return hcl.isTdx() ? Family.TDX : Family.SNP;
  }

  public Family family() {
    return family;
  }

  @Override
  public String tee() {
    return family.tee();
  }

  @Override
  public Identity identity() {
    return identity;
  }

  /** Trustee's evidence JSON for this family, the TPM quote's nonce {@code reportData} (at most 64 bytes). */
  @Override
  public JsonNode evidence(byte[] reportData) throws IOException, TpmException, MalformedEvidenceException {
    byte[] hclBytes;
    AzureVtpm.Quote quote;
    Tpm.KeyPublic ak;
    try (TpmTransport t = tpm.open()) {
      AzureVtpm vtpm = new AzureVtpm(t);
      hclBytes = vtpm.hclReport();
      ak = vtpm.attestationKey();
      quote = vtpm.quote(reportData);
    }
    HclReport hcl = HclReport.parse(hclBytes);
    if (familyOf(hcl) != family) {
      throw new MalformedEvidenceException("hcl_report.report_type", "changed from " + family.tee() + " since the platform was opened");
    }
    // The verifier trusts the quote only under the key the HCL report attests; a TPM whose AK is
    // another key would produce evidence every broker refuses, so say it here.
    if (!hcl.akPub().equals(ak.key())) {
      throw new TpmException.Unsuitable("TPM2_ReadPublic", "the key at " + AzureVtpm.AK_HANDLE_HEX
          + " is not the HCL report's HCLAkPub: the report was not made for this TPM");
    }
    return switch (family) {
      case SNP -> snpEvidence(hclBytes, quote, vceks.orElseThrow().vcek(hcl.snp()));
      case TDX -> tdxEvidence(hclBytes, quote, tdQuotes.orElseThrow().tdQuote(hcl.td().toByteArray()));
    };
  }

  /** Trustee's az-snp-vtpm evidence, version 2. */
  static ObjectNode snpEvidence(byte[] hclReport, AzureVtpm.Quote quote, X509Certificate vcek) throws IOException, TpmException {
    ObjectNode out = JSON.createObjectNode();
    out.put("version", 2);
    out.set("tpm_quote", tpmQuote(quote));
    out.put("hcl_report", Base64.getUrlEncoder().encodeToString(hclReport));
    try {
      out.put("vcek", Base64.getUrlEncoder().encodeToString(vcek.getEncoded()));
    } catch (CertificateEncodingException e) {
      throw new IOException("the VCEK cannot be encoded: " + e.getMessage(), e);
    }
    return out;
  }

  /** Trustee's az-tdx-vtpm evidence, version 1 (the newest the az-tdx-vtpm verifier reads). */
  static ObjectNode tdxEvidence(byte[] hclReport, AzureVtpm.Quote quote, byte[] tdQuote) throws TpmException {
    ObjectNode out = JSON.createObjectNode();
    out.put("version", 1);
    out.set("tpm_quote", tpmQuote(quote));
    out.put("hcl_report", Base64.getUrlEncoder().encodeToString(hclReport));
    out.put("td_quote", Base64.getUrlEncoder().encodeToString(tdQuote));
    return out;
  }

  /** Trustee's {@code tpm_quote}: hex signature (RSASSA, as the verifiers check it), message and PCRs. */
  private static ObjectNode tpmQuote(AzureVtpm.Quote quote) throws TpmException {
    if (!(quote.signature() instanceof Tpm.TpmSignature.Rsa(var scheme, var hash, var sig)) || scheme != Tpm.ALG_RSASSA || hash != Tpm.ALG_SHA256) {
      throw new TpmException.Unsuitable("TPM2_Quote", "the attestation key must sign RSASSA-PKCS1-v1_5 with SHA-256, as Azure's does"
          + " and the az-*-vtpm verifiers require");
    }
    HexFormat hex = HexFormat.of();
    ObjectNode q = JSON.createObjectNode();
    q.put("signature", hex.formatHex(sig));
    q.put("message", hex.formatHex(quote.message()));
    ArrayNode pcrs = q.putArray("pcrs");
    quote.pcrs().forEach(p -> pcrs.add(p.hex()));
    return q;
  }

  @Override
  public String toString() {
    return "AzureVtpmPlatform[" + family.tee() + ", " + identity.kind().label() + "]";
  }
}
