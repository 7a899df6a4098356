package dev.cloister.enclave.tsm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.dcap.DcapQuote;
import dev.cloister.attestation.dcap.abi.TdReport;
import dev.cloister.attestation.snp.abi.CertTable;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.snp.evidence.SnpEvidenceCodec;
import dev.cloister.enclave.Platform;
import java.io.ByteArrayInputStream;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A confidential VM's {@link Platform} on configfs-tsm: each evidence call is one fresh report over
 * the given 64 bytes, checked to carry them, and shaped as the broker's family for the provider
 * reads it.
 *
 * <ul>
 *   <li>{@code sev_guest} → KBS tee {@code snp}: Trustee's SNP evidence JSON with the VCEK (or VLEK)
 *       and the ASK (ASVK) and ARK from auxblob's certificate table; with no certificate there, the
 *       base64 raw report, which a broker checks against the VCEK in its KDS cache.
 *   <li>{@code tdx_guest} → KBS tee {@code tdx}: Trustee's TDX evidence JSON, {@code {"quote": base64}};
 *       the CC event log is not read (it lives in ACPI, not configfs-tsm).
 * </ul>
 *
 * <p>{@link #identity()} is read from a report made when the platform is opened: for SEV-SNP the
 * MEASUREMENT and HOST_DATA (the contract digest, set by the host at launch); for TDX MRTD as the
 * measurement and MRCONFIGID as the host data, the two values a TDX release policy pins
 * ({@code claims.mr_td}, {@code claims.mr_config_id}). Its kind says HARDWARE because the report
 * comes from a kernel device; whether it chains to a vendor root is only for a verifier to say.
 */
public final class TsmPlatform implements Platform {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private final ConfigfsTsm tsm;
  private final ConfigfsTsm.Provider provider;
  private final Identity identity;

  private TsmPlatform(ConfigfsTsm tsm, ConfigfsTsm.Provider provider, Identity identity) {
    this.tsm = tsm;
    this.provider = provider;
    this.identity = identity;
  }

  /**
   * Opens the platform: one report over random report data tells the provider and the identity,
   * and proves the device binds its input before any broker is asked.
   */
  public static TsmPlatform open(ConfigfsTsm tsm) throws TsmException, MalformedEvidenceException {
    byte[] probe = new byte[ConfigfsTsm.INBLOB_SIZE];
    RANDOM.nextBytes(probe);
    return open(tsm, probe);
  }

  /** With a chosen first report data: tests open a captured quote's device with that quote's own. */
  static TsmPlatform open(ConfigfsTsm tsm, byte[] probe) throws TsmException, MalformedEvidenceException {
    ConfigfsTsm.Report r = tsm.report(probe, OptionalInt.empty());
    Parsed p = parse(r, probe);
    return new TsmPlatform(tsm, r.provider(), new Identity(PlatformKind.HARDWARE, p.measurement(), p.hostData()));
  }

  public ConfigfsTsm.Provider provider() {
    return provider;
  }

  @Override
  public String tee() {
    return provider.kbsTee();
  }

  @Override
  public Identity identity() {
    return identity;
  }

  @Override
  public JsonNode evidence(byte[] reportData) throws TsmException, MalformedEvidenceException {
    ConfigfsTsm.Report r = tsm.report(reportData.clone(), OptionalInt.empty());
    Parsed p = parse(r, reportData);
    return switch (p) {
      case Parsed.Snp snp -> snpEvidence(snp.report(), r.auxblob());
      case Parsed.Tdx tdx -> {
        ObjectNode n = JSON.createObjectNode();
        n.put("quote", Base64.getEncoder().encodeToString(tdx.quote()));
        yield n;
      }
    };
  }

  /** The report, parsed as its provider's format, after checking it carries exactly {@code inblob}. */
  private sealed interface Parsed {
    Octets measurement();

    Octets hostData();

    record Snp(SnpReport report) implements Parsed {
      public Octets measurement() {
        return report.measurement();
      }

      public Octets hostData() {
        return report.hostData();
      }
    }

    record Tdx(byte[] quote, TdReport body) implements Parsed {
      public Octets measurement() {
        return body.mrTd();
      }

      public Octets hostData() {
        return body.mrConfigId();
      }
    }
  }

  private static Parsed parse(ConfigfsTsm.Report r, byte[] inblob) throws TsmException, MalformedEvidenceException {
    return switch (r.provider()) {
      case SEV_GUEST -> {
        SnpReport report = SnpReport.parse(r.outblob());
        if (!report.reportData().contentEquals(inblob)) {
          throw new TsmException.WrongBinding("REPORT_DATA");
        }
        yield new Parsed.Snp(report);
      }
      case TDX_GUEST -> {
        byte[] quote = r.outblob();
        TdReport body = DcapQuote.parse(quote).tdReport();
        if (!body.reportData().contentEquals(inblob)) {
          throw new TsmException.WrongBinding("the TD report's REPORTDATA");
        }
        yield new Parsed.Tdx(quote, body);
      }
    };
  }

  private static JsonNode snpEvidence(SnpReport report, byte[] auxblob) throws MalformedEvidenceException {
    CertTable table = CertTable.parse(auxblob);
    Optional<byte[]> vek = table.get(CertTable.Kind.VCEK).or(() -> table.get(CertTable.Kind.VLEK));
    if (vek.isEmpty()) {
      return new TextNode(Base64.getEncoder().encodeToString(report.toByteArray()));
    }
    List<X509Certificate> chain = new ArrayList<>();
    for (CertTable.Kind k : List.of(CertTable.Kind.ASK, CertTable.Kind.ARK)) {
      Optional<byte[]> der = table.get(k);
      if (der.isPresent()) {
        chain.add(certificate(der.get(), k));
      }
    }
    X509Certificate vekCert = certificate(vek.get(), table.get(CertTable.Kind.VCEK).isPresent() ? CertTable.Kind.VCEK : CertTable.Kind.VLEK);
    try {
      return dev.cloister.attestation.json.StrictJson.object(SnpEvidenceCodec.encodeTrusteeJson(report, vekCert, chain), "evidence");
    } catch (dev.cloister.attestation.MalformedEvidenceException e) {
      throw new IllegalStateException("cannot re-read the evidence just written", e);
    }
  }

  private static X509Certificate certificate(byte[] der, CertTable.Kind kind) throws MalformedEvidenceException {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new MalformedEvidenceException("auxblob.cert_table." + kind, "not an X.509 certificate");
    }
  }

  @Override
  public String toString() {
    return "TsmPlatform[" + tsm.root() + ", " + provider.fileName() + "]";
  }
}
