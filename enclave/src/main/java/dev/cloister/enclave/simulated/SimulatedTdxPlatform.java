package dev.cloister.enclave.simulated;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.dcap.issue.DcapIssuer;
import dev.cloister.attestation.dcap.tcb.CollateralDirectory;
import dev.cloister.attestation.dcap.tcb.IntelCollateral;
import dev.cloister.attestation.dcap.tcb.TcbStatus;
import dev.cloister.attestation.tee.Context;
import dev.cloister.enclave.ContractBinding;
import dev.cloister.enclave.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

/**
 * A stand-in for an Intel TDX host and its quoting enclave on machines without TDX. It keeps, in a
 * directory, its own PKI in Intel's shape (root CA, PCK Platform CA, one PCK certificate with the
 * Intel SGX extension, a TCB Signing certificate) and signs byte-exact TDX version 4 quotes (ECDSA
 * P-256 attestation key, QE report signed by the PCK key, certification data type 5 with the PEM
 * PCK chain), so the verification path is the one real quotes take; the quote and collateral
 * building is attestation's {@link DcapIssuer}. Every subject says SIMULATED; a verifier trusts the
 * root only when told to, and then the claims say {@code platform: simulated}.
 *
 * <p>State directory (created on first use, atomically, so broker and job agree on one root):
 * <ul>
 *   <li>{@code root.pem}, {@code pck-ca.pem}, {@code tcb-signing.pem}, {@code pck.pem}: the certificates;
 *   <li>{@code *.key}: their PKCS#8 private keys and the attestation key's, mode 0600; {@code attestation.pub};
 *   <li>{@code intel-collateral/tdx-<fmspc>.json}: the collateral (TCB info, TD_QE identity, root CA and
 *       PCK CRLs, in dcap-qvl's layout), signed under the same root, in the layout a broker's offline
 *       collateral directory has: every level UpToDate for the simulated TCB.
 * </ul>
 */
public final class SimulatedTdxPlatform {
  /** The FMSPC the simulated PCK certificate names (a Sapphire Rapids server's family). */
  public static final String FMSPC = "00806f050000";
  public static final DcapIssuer.Names NAMES = new DcapIssuer.Names("SGX Root CA SIMULATED", "SGX PCK Platform CA SIMULATED",
      "SGX PCK Certificate SIMULATED", "Intel SGX TCB Signing SIMULATED", ",OU=SIMULATED,O=Cloister simulated platform,C=US");
  private static final Duration VALIDITY = Duration.ofDays(25 * 365);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DcapIssuer issuer;
  private final DcapIssuer.Pck pck;

  private SimulatedTdxPlatform(DcapIssuer issuer, DcapIssuer.Pck pck) {
    this.issuer = issuer;
    this.pck = pck;
  }

  /** Loads the platform in {@code dir}, creating it first if the directory has none; {@code clock} dates a new platform. */
  public static SimulatedTdxPlatform openOrCreate(Path dir, Clock clock) throws SimulatedPlatformException {
    Objects.requireNonNull(clock, "clock");
    if (!Files.exists(dir.resolve("root.pem"))) {
      StateFiles.createAtomically(dir, "root.pem", tmp -> create(tmp, clock.instant()));
    }
    return load(dir);
  }

  /**
   * The platform's root and collateral, read from {@code dir} without its private keys: what a
   * verifier adds when it chooses to accept simulated TDX evidence.
   */
  public static Context.SimulatedIntel trustIn(Path dir) throws SimulatedPlatformException {
    X509Certificate root = StateFiles.certificate(dir, "root.pem");
    try {
      root.verify(root.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new SimulatedPlatformException("simulated platform in " + dir + ": root.pem is not self-signed");
    }
    return new Context.SimulatedIntel(root, new CollateralDirectory(dir.resolve("intel-collateral")));
  }

  public X509Certificate root() {
    return issuer.root();
  }

  /** What a TD is launched as and asks to be quoted over. */
  public record QuoteRequest(Octets mrTd, Octets mrConfigId, Octets reportData, boolean debug) {
    public QuoteRequest {
      requireLength(mrTd, 48, "mr_td");
      requireLength(mrConfigId, 48, "mr_config_id");
      requireLength(reportData, 64, "report_data");
    }
  }

  /** A signed TDX version 4 quote, as the quoting enclave would return it through configfs-tsm. */
  public byte[] quote(QuoteRequest r) {
    return issuer.tdxV4(pck)
        .mrTd(r.mrTd().hex())
        .mrConfigId(r.mrConfigId().hex())
        .reportData(r.reportData().toByteArray())
        .tdAttributes(r.debug() ? "0100000000000000" : "0000000000000000")
        // x87, SSE, AVX, AVX-512, PKRU and AMX state, as a real TD's XFAM (the fixed-1 bits x87 and SSE included).
        .xfam("e702060000000000")
        .build();
  }

  /**
   * The platform as a TD launched with MRTD = {@code measurement} and MRCONFIGID = the contract
   * digest sees it: each evidence call signs a fresh quote over the given report data, as Trustee's
   * TDX evidence JSON ({@code {"quote": base64}}); MRCONFIGID as {@link ContractBinding#mrConfigId}.
   */
  public Platform launched(Octets measurement, Octets contractDigest) {
    Octets configId = ContractBinding.mrConfigId(contractDigest);
    Platform.Identity identity = new Platform.Identity(PlatformKind.SIMULATED, measurement, contractDigest);
    return new Platform() {
      @Override
      public JsonNode evidence(byte[] reportData) {
        ObjectNode n = JSON.createObjectNode();
        n.put("quote", Base64.getEncoder().encodeToString(quote(new QuoteRequest(measurement, configId, Octets.copyOf(reportData), false))));
        return n;
      }

      @Override
      public String tee() {
        return "tdx";
      }

      @Override
      public Platform.Identity identity() {
        return identity;
      }
    };
  }

  @Override
  public String toString() {
    return "SimulatedTdxPlatform[" + issuer.root().getSubjectX500Principal().getName() + "]";
  }

  // ---- creation and loading ----

  private static void create(Path tmp, Instant now) throws java.io.IOException {
    SecureRandom random = new SecureRandom();
    DcapIssuer issuer = DcapIssuer.create(NAMES, random, now.minus(Duration.ofMinutes(5)), now.plus(VALIDITY));
    DcapIssuer.Pck pck = issuer.pck().fmspc(FMSPC).issue();
    DcapIssuer.Keys k = issuer.keys();
    Files.writeString(tmp.resolve("root.pem"), StateFiles.pem(k.rootCertificate()));
    Files.writeString(tmp.resolve("pck-ca.pem"), StateFiles.pem(k.pckCaCertificate()));
    Files.writeString(tmp.resolve("tcb-signing.pem"), StateFiles.pem(k.tcbSigningCertificate()));
    Files.writeString(tmp.resolve("pck.pem"), StateFiles.pem(pck.certificate()));
    Files.writeString(tmp.resolve("attestation.pub"), StateFiles.pem(k.attestation().getPublic()));
    StateFiles.writeSecret(tmp.resolve("root.key"), k.root().getPrivate());
    StateFiles.writeSecret(tmp.resolve("pck-ca.key"), k.pckCa().getPrivate());
    StateFiles.writeSecret(tmp.resolve("tcb-signing.key"), k.tcbSigning().getPrivate());
    StateFiles.writeSecret(tmp.resolve("pck.key"), pck.key().getPrivate());
    StateFiles.writeSecret(tmp.resolve("attestation.key"), k.attestation().getPrivate());
    // Every TCB component of the simulated platform, module and QE is 0; one UpToDate level each matches it.
    IntelCollateral collateral = issuer.collateral(
        issuer.tcbInfo(DcapIssuer.Tee.TDX, pck).level(DcapIssuer.level(TcbStatus.UP_TO_DATE)).sign(),
        issuer.qeIdentity(DcapIssuer.Tee.TDX).level(0, TcbStatus.UP_TO_DATE).sign(),
        issuer.crl(DcapIssuer.Issuer.ROOT).build(),
        issuer.crl(DcapIssuer.Issuer.PCK_CA).build());
    Path dir = Files.createDirectory(tmp.resolve("intel-collateral"));
    Files.write(dir.resolve("tdx-" + FMSPC + ".json"), issuer.dcapQvlJson(collateral));
  }

  private static SimulatedTdxPlatform load(Path dir) throws SimulatedPlatformException {
    X509Certificate root = trustIn(dir).root();
    X509Certificate pckCa = StateFiles.certificate(dir, "pck-ca.pem");
    X509Certificate tcbSigning = StateFiles.certificate(dir, "tcb-signing.pem");
    X509Certificate pckCert = StateFiles.certificate(dir, "pck.pem");
    try {
      pckCa.verify(root.getPublicKey());
      tcbSigning.verify(root.getPublicKey());
      pckCert.verify(pckCa.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new SimulatedPlatformException("simulated platform in " + dir + ": a certificate is not signed by its issuer");
    }
    String ec = "SHA256withECDSA";
    DcapIssuer.Keys keys = new DcapIssuer.Keys(
        StateFiles.pair(dir, "root.key", root.getPublicKey(), ec), root,
        StateFiles.pair(dir, "pck-ca.key", pckCa.getPublicKey(), ec), pckCa,
        StateFiles.pair(dir, "tcb-signing.key", tcbSigning.getPublicKey(), ec), tcbSigning,
        StateFiles.pair(dir, "attestation.key", StateFiles.publicKey(dir, "attestation.pub"), ec));
    DcapIssuer.Pck pck;
    try {
      pck = DcapIssuer.Pck.of(pckCert, StateFiles.pair(dir, "pck.key", pckCert.getPublicKey(), ec));
    } catch (IllegalArgumentException e) {
      throw new SimulatedPlatformException("simulated platform in " + dir + ": pck.pem has no readable SGX extension");
    }
    return new SimulatedTdxPlatform(DcapIssuer.of(NAMES, new SecureRandom(), keys), pck);
  }

  private static void requireLength(Octets o, int n, String field) {
    Objects.requireNonNull(o, field);
    if (o.length() != n) {
      throw new IllegalArgumentException(field + " must be " + n + " bytes, got " + o.length());
    }
  }
}
