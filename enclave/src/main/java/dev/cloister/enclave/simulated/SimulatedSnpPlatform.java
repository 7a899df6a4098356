package dev.cloister.enclave.simulated;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.snp.abi.Cpuid;
import dev.cloister.attestation.snp.abi.FirmwareVersion;
import dev.cloister.attestation.snp.abi.GuestPolicy;
import dev.cloister.attestation.snp.abi.PlatformInfo;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.SigningKey;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.snp.abi.TcbVersion;
import dev.cloister.attestation.snp.verify.TrustAnchor;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A stand-in for the AMD secure processor on machines without SEV-SNP. It keeps, in a directory,
 * its own vendor root and signs byte-exact version 3 reports, so every verification path is the
 * one real hardware takes. Its certificates say SIMULATED; a verifier trusts them only when told
 * to, and then the claims say {@code platform: simulated}.
 *
 * <p>State directory (created on first use, atomically, so two processes agree on one root):
 * <ul>
 *   <li>{@code ark.pem}, {@code ask.pem}: RSA-4096 root and intermediate, RSASSA-PSS SHA-384 like AMD's;
 *   <li>{@code vcek.pem}: EC P-384, serial 0, with AMD's VCEK extensions (product Milan-B0, TCB, hwID);
 *   <li>{@code ark.key}, {@code vcek.key}: PKCS#8 private keys, mode 0600 (the ARK key signs CRLs);
 *   <li>{@code chip_id}: the 64-byte chip ID in hex.
 * </ul>
 * The ASK's private key is not kept: nothing is issued under it after creation.
 */
public final class SimulatedSnpPlatform {
  /** The product the simulated chip claims: its TCB layout and KDS name are Milan's. */
  public static final ProductLine PRODUCT = ProductLine.MILAN;
  /** The TCB the simulated firmware runs (bl 3, tee 0, snp 8, ucode 115, as a real Milan). */
  public static final TcbVersion TCB = TcbVersion.of(PRODUCT, 0, 3, 0, 8, 115);
  public static final FirmwareVersion FIRMWARE = new FirmwareVersion(1, 55, 40);
  private static final Cpuid CPUID = new Cpuid(0x19, 0x01, 0x01);
  private static final long PLATFORM_INFO = (1L << PlatformInfo.SMT_EN) | (1L << PlatformInfo.ECC_EN) | (1L << PlatformInfo.ALIAS_CHECK_COMPLETE);
  private static final String AMD = "1.3.6.1.4.1.3704.1.";
  private static final String DN_SUFFIX = ", OU=SIMULATED, O=Cloister simulated platform, C=US";
  private static final Duration ROOT_VALIDITY = Duration.ofDays(25 * 365);
  private static final Duration VCEK_VALIDITY = Duration.ofDays(7 * 365);

  private final X509Certificate ark;
  private final X509Certificate ask;
  private final X509Certificate vcek;
  private final PrivateKey arkKey;
  private final PrivateKey vcekKey;
  private final Octets chipId;
  private final SecureRandom random = new SecureRandom();

  private SimulatedSnpPlatform(X509Certificate ark, X509Certificate ask, X509Certificate vcek, PrivateKey arkKey,
      PrivateKey vcekKey, Octets chipId) {
    this.ark = ark;
    this.ask = ask;
    this.vcek = vcek;
    this.arkKey = arkKey;
    this.vcekKey = vcekKey;
    this.chipId = chipId;
  }

  /**
   * Loads the platform in {@code dir}, creating it first if the directory has none; {@code clock}
   * dates the certificates of a new platform.
   */
  public static SimulatedSnpPlatform openOrCreate(Path dir, Clock clock) throws SimulatedPlatformException {
    Objects.requireNonNull(clock, "clock");
    if (!Files.exists(dir.resolve("ark.pem"))) {
      create(dir, clock);
    }
    return load(dir);
  }

  /**
   * The platform's trust anchor, read from {@code dir} without its private keys: what a verifier
   * adds when it chooses to accept simulated evidence.
   */
  public static TrustAnchor trustAnchorIn(Path dir) throws SimulatedPlatformException {
    X509Certificate ark = cert(dir, "ark.pem");
    X509Certificate ask = cert(dir, "ask.pem");
    try {
      ark.verify(ark.getPublicKey());
      ask.verify(ark.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new SimulatedPlatformException("simulated platform in " + dir + ": ask.pem is not signed by ark.pem");
    }
    return new TrustAnchor("Cloister simulated " + PRODUCT.kdsName(), PRODUCT, ark, List.of(ask));
  }

  public TrustAnchor trustAnchor() {
    return new TrustAnchor("Cloister simulated " + PRODUCT.kdsName(), PRODUCT, ark, List.of(ask));
  }

  public X509Certificate vcek() {
    return vcek;
  }

  /** ASK then ARK, as AMD KDS serves a product's chain. */
  public List<X509Certificate> chain() {
    return List.of(ask, ark);
  }

  public Octets chipId() {
    return chipId;
  }

  /** What the guest asks the (simulated) secure processor to attest. */
  public record ReportRequest(Octets measurement, Octets reportData, Octets hostData, Octets familyId, Octets imageId,
      long guestSvn, int vmpl, boolean debug) {
    public ReportRequest {
      requireLength(measurement, 48, "measurement");
      requireLength(reportData, 64, "report_data");
      requireLength(hostData, 32, "host_data");
      requireLength(familyId, 16, "family_id");
      requireLength(imageId, 16, "image_id");
      if (vmpl < 0 || vmpl > 3) {
        throw new IllegalArgumentException("vmpl must be 0..3");
      }
    }

    private static void requireLength(Octets o, int n, String field) {
      Objects.requireNonNull(o, field);
      if (o.length() != n) {
        throw new IllegalArgumentException(field + " must be " + n + " bytes, got " + o.length());
      }
    }

    public static Builder builder() {
      return new Builder();
    }

    /** Defaults: zero measurement, report data, host data and IDs; SVN 0; VMPL 0; no debug. */
    public static final class Builder {
      private Octets measurement = Octets.zeros(48);
      private Octets reportData = Octets.zeros(64);
      private Octets hostData = Octets.zeros(32);
      private Octets familyId = Octets.zeros(16);
      private Octets imageId = Octets.zeros(16);
      private long guestSvn;
      private int vmpl;
      private boolean debug;

      public Builder measurement(Octets v) {
        measurement = v;
        return this;
      }

      public Builder reportData(Octets v) {
        reportData = v;
        return this;
      }

      public Builder hostData(Octets v) {
        hostData = v;
        return this;
      }

      public Builder familyId(Octets v) {
        familyId = v;
        return this;
      }

      public Builder imageId(Octets v) {
        imageId = v;
        return this;
      }

      public Builder guestSvn(long v) {
        guestSvn = v;
        return this;
      }

      public Builder vmpl(int v) {
        vmpl = v;
        return this;
      }

      public Builder debug(boolean v) {
        debug = v;
        return this;
      }

      public ReportRequest build() {
        return new ReportRequest(measurement, reportData, hostData, familyId, imageId, guestSvn, vmpl, debug);
      }
    }
  }

  /** A signed version 3 report, as SNP_GET_REPORT would return it on real hardware. */
  public SnpReport report(ReportRequest req) {
    byte[] reportId = new byte[32];
    random.nextBytes(reportId);
    GuestPolicy policy = req.debug() ? GuestPolicy.of(0, 0, GuestPolicy.SMT, GuestPolicy.DEBUG) : GuestPolicy.of(0, 0, GuestPolicy.SMT);
    SnpReport.Builder b = SnpReport.builder()
        .version(3)
        .guestSvn(req.guestSvn())
        .policy(policy)
        .familyId(req.familyId())
        .imageId(req.imageId())
        .vmpl(req.vmpl())
        .currentTcb(TCB)
        .platformInfo(new PlatformInfo(PLATFORM_INFO))
        .keyInfo(false, false, SigningKey.VCEK)
        .reportData(req.reportData())
        .measurement(req.measurement())
        .hostData(req.hostData())
        .reportId(Octets.copyOf(reportId))
        .reportIdMa(Octets.fromHex("ff".repeat(32)))
        .reportedTcb(TCB)
        .cpuid(CPUID)
        .chipId(chipId)
        .committedTcb(TCB)
        .currentVersion(FIRMWARE)
        .committedVersion(FIRMWARE)
        .launchTcb(TCB);
    try {
      Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
      s.initSign(vcekKey);
      s.update(b.signedBytes());
      return b.signature(s.sign()).build();
    } catch (GeneralSecurityException | MalformedEvidenceException e) {
      throw new IllegalStateException("simulated platform cannot sign a report", e);
    }
  }

  /** Azure's HCL report header signature, "HCLA". */
  private static final byte[] HCLA = {'H', 'C', 'L', 'A'};

  /**
   * An Azure HCL report, as Microsoft's paravisor writes it into the vTPM's NV index 0x01400001
   * (layout: az-cvm-vtpm's {@code hcl} module, and Trustee's captured reports): a 32-byte header
   * ("HCLA", version 1, the report's size, request type 2, status 0), this platform's SEV-SNP report
   * from VMPL 0 whose REPORT_DATA is the SHA-256 of the runtime claims (zero-padded), the runtime
   * header (data size, version 1, report type 2 = SEV-SNP, hash type 1 = SHA-256, claims size) and
   * the runtime claims JSON: {@code keys} with the vTPM attestation key {@code akPub} as the RSA JWK
   * {@code HCLAkPub}, {@code vm-configuration}, and {@code user-data}. Azure's claims also carry the
   * vTPM's encryption key (HCLEkPub), and Azure pads the index to 2600 bytes; both are left out, so
   * the report fits a TPM whose largest NV index is 2048 bytes (swtpm's).
   */
  public byte[] hclReport(Octets measurement, Octets hostData, java.security.interfaces.RSAPublicKey akPub) {
    java.util.Map<String, Object> ak = new java.util.LinkedHashMap<>();
    ak.put("kid", "HCLAkPub");
    ak.put("key_ops", List.of("sign"));
    ak.put("kty", "RSA");
    ak.put("e", base64url(akPub.getPublicExponent()));
    ak.put("n", base64url(akPub.getModulus()));
    java.util.Map<String, Object> vm = new java.util.LinkedHashMap<>();
    vm.put("console-enabled", false);
    vm.put("secure-boot", true);
    vm.put("tpm-enabled", true);
    vm.put("vmUniqueId", java.util.UUID.randomUUID().toString().toUpperCase(java.util.Locale.ROOT));
    java.util.Map<String, Object> claimsMap = new java.util.LinkedHashMap<>();
    claimsMap.put("keys", List.of(ak));
    claimsMap.put("vm-configuration", vm);
    claimsMap.put("user-data", "0".repeat(128));
    byte[] claims;
    byte[] digest;
    try {
      claims = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(claimsMap);
      digest = java.security.MessageDigest.getInstance("SHA-256").digest(claims);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot write the HCL runtime claims", e);
    }
    byte[] reportData = java.util.Arrays.copyOf(digest, 64);
    byte[] snp = report(ReportRequest.builder().measurement(measurement).hostData(hostData).reportData(Octets.copyOf(reportData)).vmpl(0).build())
        .toByteArray();
    int runtime = 20 + claims.length;
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(32 + snp.length + runtime).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.put(HCLA).putInt(1).putInt(b.capacity()).putInt(2).putInt(0).put(new byte[12]);
    b.put(snp);
    b.putInt(runtime).putInt(1).putInt(2).putInt(1).putInt(claims.length).put(claims);
    return b.array();
  }

  private static String base64url(BigInteger v) {
    byte[] b = v.toByteArray();
    if (b.length > 1 && b[0] == 0) {
      b = java.util.Arrays.copyOfRange(b, 1, b.length); // unsigned, as JWK wants
    }
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /**
   * A CRL signed by this platform's ARK revoking the given serials, shaped like AMD KDS's
   * per-product CRL (which lists revoked ASK/ASVK serials).
   */
  public X509CRL issueCrl(List<BigInteger> revokedSerials, Instant thisUpdate, Instant nextUpdate) {
    try {
      X509v2CRLBuilder b = new X509v2CRLBuilder(X500Name.getInstance(ark.getSubjectX500Principal().getEncoded()), Date.from(thisUpdate));
      b.setNextUpdate(Date.from(nextUpdate));
      for (BigInteger serial : revokedSerials) {
        b.addCRLEntry(serial, Date.from(thisUpdate), CRLReason.keyCompromise);
      }
      X509CRLHolder holder = b.build(pss(arkKey));
      return new JcaX509CRLConverter().getCRL(holder);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("simulated platform cannot issue a CRL", e);
    }
  }

  /**
   * The platform as a workload launched with this measurement and host data sees it: each
   * evidence call signs a fresh report over the given report data, as Trustee's SNP evidence JSON
   * with the VCEK and chain attached.
   */
  public dev.cloister.enclave.Platform launched(Octets measurement, Octets hostData) {
    SimulatedSnpPlatform self = this;
    dev.cloister.enclave.Platform.Identity identity = new dev.cloister.enclave.Platform.Identity(PlatformKind.SIMULATED, measurement, hostData);
    return new dev.cloister.enclave.Platform() {
      @Override
      public com.fasterxml.jackson.databind.JsonNode evidence(byte[] reportData) throws Exception {
        return dev.cloister.attestation.json.StrictJson.object(
            dev.cloister.attestation.snp.evidence.SnpEvidenceCodec.encodeTrusteeJson(
                self.report(ReportRequest.builder().measurement(measurement).hostData(hostData).reportData(Octets.copyOf(reportData)).build()),
                self.vcek, self.chain()), "evidence");
      }

      @Override
      public dev.cloister.enclave.Platform.Identity identity() {
        return identity;
      }
    };
  }

  /** Same as {@link #launched}, as a plain evidence source. */
  public dev.cloister.enclave.kbs.EvidenceSource evidenceSource(Octets measurement, Octets hostData) {
    return launched(measurement, hostData);
  }

  /** The ASK, for tests that revoke it. */
  public X509Certificate ask() {
    return ask;
  }

  @Override
  public String toString() {
    return "SimulatedSnpPlatform[" + vcek.getSubjectX500Principal().getName() + ", chip " + chipId.hex().substring(0, 16) + "...]";
  }

  // ---- creation and loading ----

  private static void create(Path dir, Clock clock) throws SimulatedPlatformException {
    Path parent = dir.toAbsolutePath().getParent();
    try {
      Files.createDirectories(parent);
      Path tmp = Files.createTempDirectory(parent, ".simulated-platform-");
      Instant now = clock.instant();
      KeyPair arkPair = rsa4096();
      KeyPair askPair = rsa4096();
      KeyPair vcekPair = p384();
      byte[] chip = new byte[64];
      new SecureRandom().nextBytes(chip);
      X509Certificate ark = issue(dn("ARK-Milan SIMULATED"), dn("ARK-Milan SIMULATED"), BigInteger.ONE, arkPair.getPublic(), arkPair.getPrivate(), now, ROOT_VALIDITY, true, null);
      X509Certificate ask = issue(dn("SEV-Milan SIMULATED"), dn("ARK-Milan SIMULATED"), BigInteger.TWO, askPair.getPublic(), arkPair.getPrivate(), now, ROOT_VALIDITY, true, null);
      X509Certificate vcek = issue(dn("SEV-VCEK SIMULATED"), dn("SEV-Milan SIMULATED"), BigInteger.ZERO, vcekPair.getPublic(), askPair.getPrivate(), now, VCEK_VALIDITY, false, chip);
      Files.writeString(tmp.resolve("ark.pem"), pem(ark));
      Files.writeString(tmp.resolve("ask.pem"), pem(ask));
      Files.writeString(tmp.resolve("vcek.pem"), pem(vcek));
      writeSecret(tmp.resolve("ark.key"), pem(arkPair.getPrivate()));
      writeSecret(tmp.resolve("vcek.key"), pem(vcekPair.getPrivate()));
      Files.writeString(tmp.resolve("chip_id"), HexFormat.of().formatHex(chip) + "\n");
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        deleteTree(tmp);
        throw new SimulatedPlatformException("cannot create " + dir + " atomically", e);
      } catch (IOException e) {
        // rename(2) onto a populated directory fails (ENOTEMPTY, reported as a plain
        // FileSystemException): another process won the race, and its root is the one.
        deleteTree(tmp);
        if (!Files.exists(dir.resolve("ark.pem"))) {
          throw e;
        }
      }
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new SimulatedPlatformException("cannot create the simulated platform in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static SimulatedSnpPlatform load(Path dir) throws SimulatedPlatformException {
    TrustAnchor anchor = trustAnchorIn(dir);
    X509Certificate vcek = cert(dir, "vcek.pem");
    try {
      vcek.verify(anchor.intermediates().getFirst().getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new SimulatedPlatformException("simulated platform in " + dir + ": vcek.pem is not signed by ask.pem");
    }
    PrivateKey arkKey = key(dir, "ark.key");
    PrivateKey vcekKey = key(dir, "vcek.key");
    if (!matches(vcekKey, vcek.getPublicKey(), "SHA384withECDSA") || !matches(arkKey, anchor.ark().getPublicKey(), "RSASSA-PSS")) {
      throw new SimulatedPlatformException("simulated platform in " + dir + ": a private key does not match its certificate");
    }
    Octets chip;
    try {
      chip = Octets.fromHex(Files.readString(dir.resolve("chip_id")));
    } catch (IOException | IllegalArgumentException e) {
      throw new SimulatedPlatformException("simulated platform in " + dir + ": chip_id unreadable");
    }
    if (chip.length() != 64) {
      throw new SimulatedPlatformException("simulated platform in " + dir + ": chip_id must be 64 bytes");
    }
    return new SimulatedSnpPlatform(anchor.ark(), anchor.intermediates().getFirst(), vcek, arkKey, vcekKey, chip);
  }

  private static boolean matches(PrivateKey priv, PublicKey pub, String alg) {
    try {
      Signature s = Signature.getInstance(alg);
      if (alg.equals("RSASSA-PSS")) {
        s.setParameter(new java.security.spec.PSSParameterSpec("SHA-384", "MGF1", java.security.spec.MGF1ParameterSpec.SHA384, 48, 1));
      }
      byte[] probe = "cloister-key-check".getBytes(StandardCharsets.US_ASCII);
      s.initSign(priv);
      s.update(probe);
      byte[] sig = s.sign();
      s.initVerify(pub);
      s.update(probe);
      return s.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static X500Name dn(String cn) {
    return new X500Name("CN=" + cn + DN_SUFFIX);
  }

  private static X509Certificate issue(X500Name subject, X500Name issuer, BigInteger serial, PublicKey key, PrivateKey signer,
      Instant now, Duration validity, boolean ca, byte[] chipId) throws GeneralSecurityException, OperatorCreationException, IOException {
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial, Date.from(now.minus(Duration.ofMinutes(5))),
        Date.from(now.plus(validity)), subject, key);
    if (ca) {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } else {
      TcbVersion.Parts p = TCB.parts(PRODUCT);
      b.addExtension(new ASN1ObjectIdentifier(AMD + "1"), false, new ASN1Integer(0));
      b.addExtension(new ASN1ObjectIdentifier(AMD + "2"), false, new DERIA5String("Milan-B0"));
      b.addExtension(new ASN1ObjectIdentifier(AMD + "3.1"), false, new ASN1Integer(p.bootloader()));
      b.addExtension(new ASN1ObjectIdentifier(AMD + "3.2"), false, new ASN1Integer(p.tee()));
      b.addExtension(new ASN1ObjectIdentifier(AMD + "3.3"), false, new ASN1Integer(p.snp()));
      for (int spl = 4; spl <= 7; spl++) {
        b.addExtension(new ASN1ObjectIdentifier(AMD + "3." + spl), false, new ASN1Integer(0));
      }
      b.addExtension(new ASN1ObjectIdentifier(AMD + "3.8"), false, new ASN1Integer(p.microcode()));
      b.addExtension(new ASN1ObjectIdentifier(AMD + "4"), false, chipId); // raw bytes, as AMD KDS encodes hwID
    }
    return new JcaX509CertificateConverter().getCertificate(b.build(pss(signer)));
  }

  private static ContentSigner pss(PrivateKey key) throws OperatorCreationException {
    // BouncyCastle's name; it means RSASSA-PSS with SHA-384, MGF1-SHA-384, salt 48, as AMD signs.
    return new JcaContentSignerBuilder("SHA384withRSAandMGF1").setProvider(new BouncyCastleProvider()).build(key);
  }

  private static KeyPair rsa4096() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(4096);
    return g.generateKeyPair();
  }

  private static KeyPair p384() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp384r1"));
    return g.generateKeyPair();
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      if (o instanceof PrivateKey k) {
        p.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null)); // PKCS#8, unencrypted: the file is 0600
      } else {
        p.writeObject(o);
      }
    }
    return w.toString();
  }

  private static void writeSecret(Path file, String content) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    }
    Files.writeString(file, content);
  }

  private static X509Certificate cert(Path dir, String name) throws SimulatedPlatformException {
    try (var in = Files.newInputStream(dir.resolve(name))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException | GeneralSecurityException e) {
      throw new SimulatedPlatformException("simulated platform in " + dir + ": " + name + " missing or not a certificate");
    }
  }

  private static PrivateKey key(Path dir, String name) throws SimulatedPlatformException {
    try (PEMParser p = new PEMParser(new StringReader(Files.readString(dir.resolve(name))))) {
      Object o = p.readObject();
      if (o instanceof PrivateKeyInfo info) {
        return new JcaPEMKeyConverter().getPrivateKey(info);
      }
    } catch (IOException e) {
      // fall through to the typed error
    }
    throw new SimulatedPlatformException("simulated platform in " + dir + ": " + name + " missing or not a PKCS#8 key");
  }

  private static void deleteTree(Path p) throws IOException {
    try (var s = Files.walk(p)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
  }
}
