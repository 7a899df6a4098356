package dev.cloister.enclave.sevguest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.snp.abi.SigningKey;
import dev.cloister.attestation.snp.abi.CertTable;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.snp.evidence.SnpEvidenceCodec;
import dev.cloister.enclave.Platform;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The platform of a workload in an SEV-SNP guest, through {@code /dev/sev-guest}: each evidence
 * call takes a fresh extended report over the given report data. The evidence is what the broker's
 * {@code snp} family verifies: Trustee's SNP evidence JSON carrying the VCEK (or VLEK) and its chain
 * from the host's certificate table, or, when the host supplies no endorsement key, the raw report
 * in base64 (the broker then needs the VCEK in its KDS cache).
 *
 * <p>The device is opened for each request and closed after it, so the platform holds no file
 * descriptor between attestations.
 */
public final class SevGuestPlatform implements Platform {

  /** Opens the device for one request. */
  @FunctionalInterface
  public interface Opener {
    SevGuest open() throws SevGuestException;
  }

  private final Opener opener;
  private final int vmpl;
  private final Identity identity;

  private SevGuestPlatform(Opener opener, int vmpl, Identity identity) {
    this.opener = opener;
    this.vmpl = vmpl;
    this.identity = identity;
  }

  /** Whether {@code dev} looks like the sev-guest device node. */
  public static boolean present(Path dev) {
    return SevGuest.present(dev);
  }

  /** The platform on {@code dev} at VMPL {@code vmpl}; reads one report to learn the launch measurement and host data. */
  public static SevGuestPlatform open(Path dev, int vmpl) throws SevGuestException {
    return open(() -> SevGuest.open(dev), vmpl);
  }

  /** The same over any device (tests give a fake one). */
  public static SevGuestPlatform open(Opener opener, int vmpl) throws SevGuestException {
    try (SevGuest g = opener.open()) {
      SnpReport r = g.report(Octets.zeros(SevGuestAbi.USER_DATA_SIZE), vmpl).report();
      return new SevGuestPlatform(opener, vmpl, new Identity(PlatformKind.HARDWARE, r.measurement(), r.hostData()));
    }
  }

  @Override
  public String tee() {
    return "snp";
  }

  @Override
  public Identity identity() {
    return identity;
  }

  @Override
  public JsonNode evidence(byte[] reportData) throws SevGuestException, IOException {
    SevGuest.ExtendedReport x;
    try (SevGuest g = opener.open()) {
      x = g.extendedReport(Octets.copyOf(reportData), vmpl);
    }
    return evidence(x);
  }

  /** The broker's {@code snp} evidence for an extended report. */
  static JsonNode evidence(SevGuest.ExtendedReport x) throws SevGuestException, IOException {
    SnpReport report = x.report().report();
    CertTable.Kind vekKind = report.signingKey() == SigningKey.VLEK ? CertTable.Kind.VLEK : CertTable.Kind.VCEK;
    Optional<X509Certificate> vek = certificate(x.certificates(), vekKind);
    if (vek.isEmpty()) {
      return TextNode.valueOf(Base64.getEncoder().encodeToString(x.report().bytes()));
    }
    List<X509Certificate> chain = new ArrayList<>();
    certificate(x.certificates(), CertTable.Kind.ASK).ifPresent(chain::add);
    certificate(x.certificates(), CertTable.Kind.ARK).ifPresent(chain::add);
    try {
      return dev.cloister.attestation.json.StrictJson.object(SnpEvidenceCodec.encodeTrusteeJson(report, vek.get(), chain), "evidence");
    } catch (dev.cloister.attestation.MalformedEvidenceException e) {
      throw new IllegalStateException("cannot re-read the evidence just written", e);
    }
  }

  private static Optional<X509Certificate> certificate(CertTable table, CertTable.Kind kind) throws SevGuestException {
    Optional<byte[]> der = table.get(kind);
    if (der.isEmpty()) {
      return Optional.empty();
    }
    try {
      // DER from AMD KDS as hosts pass it on; CertificateFactory also reads PEM, which some hosts store.
      return Optional.of((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der.get())));
    } catch (CertificateException e) {
      throw new SevGuestException.BadResponse("SNP_GET_EXT_REPORT", "cert_table." + kind, "is not an X.509 certificate", e);
    }
  }

  @Override
  public String toString() {
    return "SevGuestPlatform[vmpl " + vmpl + ", measurement " + identity.measurement().hex() + "]";
  }
}
