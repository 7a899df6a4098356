package dev.cloister.enclave.simulated;

import com.authlete.cbor.CBORByteArray;
import com.authlete.cbor.CBORizer;
import com.authlete.cose.COSEException;
import com.authlete.cose.COSEProtectedHeader;
import com.authlete.cose.COSEProtectedHeaderBuilder;
import com.authlete.cose.COSESign1;
import com.authlete.cose.COSESign1Builder;
import com.authlete.cose.COSESigner;
import com.authlete.cose.COSEUnprotectedHeaderBuilder;
import com.authlete.cose.SigStructure;
import com.authlete.cose.SigStructureBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.enclave.ContractBinding;
import dev.cloister.enclave.Platform;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A stand-in for the AWS Nitro Secure Module on machines without Nitro Enclaves. It keeps, in a
 * directory, its own root (EC P-384, as AWS's), one CA under it and a document-signing certificate,
 * and signs attestation documents in the NSM's exact form: an untagged COSE_Sign1 (ES384) over the
 * CBOR map of {@code module_id}, {@code digest} (SHA384), {@code timestamp}, {@code pcrs},
 * {@code certificate}, {@code cabundle} (root first), {@code public_key}, {@code user_data} and
 * {@code nonce}. Every subject says SIMULATED; a verifier trusts the root only when told to, and
 * then the claims say {@code platform: simulated}.
 *
 * <p>PCRs: PCR0 is the enclave image's measurement (here the workload's); PCR16, the first a
 * running enclave may extend, is the contract digest extended once into zeros
 * ({@link ContractBinding#nitroPcr}), as the workload would do through the NSM's ExtendPCR before attesting:
 * Nitro has no host-set launch field such as SEV-SNP's HOST_DATA, and the KBS session already binds
 * {@code user_data}. The other PCRs are zero.
 *
 * <p>State directory (created on first use, atomically): {@code root.pem}, {@code ca.pem},
 * {@code signer.pem}, and {@code signer.key} (PKCS#8, mode 0600). The root's and CA's keys are not
 * kept: nothing is issued under them after creation.
 */
public final class SimulatedNitroPlatform {
  private static final String DN_SUFFIX = ",OU=SIMULATED,O=Cloister simulated platform,C=US";
  private static final Duration VALIDITY = Duration.ofDays(25 * 365);

  private final X509Certificate root;
  private final X509Certificate ca;
  private final X509Certificate signer;
  private final PrivateKey signerKey;
  private final Clock clock;

  private SimulatedNitroPlatform(X509Certificate root, X509Certificate ca, X509Certificate signer, PrivateKey signerKey, Clock clock) {
    this.root = root;
    this.ca = ca;
    this.signer = signer;
    this.signerKey = signerKey;
    this.clock = clock;
  }

  /** Loads the platform in {@code dir}, creating it first if the directory has none; {@code clock} dates certificates and documents. */
  public static SimulatedNitroPlatform openOrCreate(Path dir, Clock clock) throws SimulatedPlatformException {
    Objects.requireNonNull(clock, "clock");
    if (!Files.exists(dir.resolve("root.pem"))) {
      StateFiles.createAtomically(dir, "root.pem", tmp -> create(tmp, clock.instant()));
    }
    X509Certificate root = rootIn(dir);
    X509Certificate ca = StateFiles.certificate(dir, "ca.pem");
    X509Certificate signer = StateFiles.certificate(dir, "signer.pem");
    try {
      ca.verify(root.getPublicKey());
      signer.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new SimulatedPlatformException("simulated platform in " + dir + ": a certificate is not signed by its issuer");
    }
    KeyPair key = StateFiles.pair(dir, "signer.key", signer.getPublicKey(), "SHA384withECDSA");
    return new SimulatedNitroPlatform(root, ca, signer, key.getPrivate(), clock);
  }

  /** The platform's root, read from {@code dir}: what a verifier adds when it chooses to accept simulated Nitro evidence. */
  public static X509Certificate rootIn(Path dir) throws SimulatedPlatformException {
    X509Certificate root = StateFiles.certificate(dir, "root.pem");
    try {
      root.verify(root.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new SimulatedPlatformException("simulated platform in " + dir + ": root.pem is not self-signed");
    }
    return root;
  }

  public X509Certificate root() {
    return root;
  }

  /** What the enclave asks the (simulated) NSM to attest: its PCRs (index to 48 bytes) and the optional fields. */
  public record DocumentRequest(Map<Integer, Octets> pcrs, Optional<Octets> userData, Optional<Octets> nonce, Optional<Octets> publicKey) {
    public DocumentRequest {
      pcrs = Map.copyOf(pcrs);
      for (var e : pcrs.entrySet()) {
        if (e.getKey() < 0 || e.getKey() > 31 || e.getValue().length() != 48) {
          throw new IllegalArgumentException("pcrs: index 0..31 to 48 bytes (SHA-384), got " + e.getKey());
        }
      }
      for (Optional<Octets> o : List.of(userData, nonce, publicKey)) {
        if (o.isPresent() && o.get().length() > 1024) {
          throw new IllegalArgumentException("user_data, nonce and public_key: at most 1024 bytes, as the NSM takes");
        }
      }
    }
  }

  /** A signed attestation document, as the NSM's Attestation request returns it (untagged COSE_Sign1). */
  public byte[] document(DocumentRequest r) {
    Map<Object, Object> payload = new LinkedHashMap<>();
    payload.put("module_id", "i-0000000000000000-enc0000000000000000 SIMULATED");
    payload.put("digest", "SHA384");
    payload.put("timestamp", clock.millis());
    Map<Object, Object> pcrs = new LinkedHashMap<>();
    for (int i = 0; i < 16; i++) {
      pcrs.put(i, new byte[48]);
    }
    r.pcrs().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> pcrs.put(e.getKey(), e.getValue().toByteArray()));
    payload.put("pcrs", pcrs);
    try {
      payload.put("certificate", signer.getEncoded());
      payload.put("cabundle", List.of(root.getEncoded(), ca.getEncoded()));
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("simulated platform cannot encode its certificates", e);
    }
    payload.put("public_key", r.publicKey().map(Octets::toByteArray).orElse(null));
    payload.put("user_data", r.userData().map(Octets::toByteArray).orElse(null));
    payload.put("nonce", r.nonce().map(Octets::toByteArray).orElse(null));
    byte[] body = new CBORizer().cborize(payload).encode();
    try {
      COSEProtectedHeader header = new COSEProtectedHeaderBuilder().alg(-35).build();
      SigStructure toSign = new SigStructureBuilder().signature1().bodyAttributes(header).payload(body).build();
      byte[] signature = new COSESigner(signerKey).sign(toSign, -35);
      COSESign1 sign1 = new COSESign1Builder().protectedHeader(header).unprotectedHeader(new COSEUnprotectedHeaderBuilder().build())
          .payload(new CBORByteArray(body)).signature(signature).build();
      return sign1.encode();
    } catch (COSEException e) {
      throw new IllegalStateException("simulated platform cannot sign a document", e);
    }
  }

  /**
   * The platform as an enclave whose image measures {@code measurement} (PCR0) and which extended
   * the contract into PCR16 sees it: each evidence call signs a fresh document whose user data is
   * the given bytes (the KBS session digest, or the receipt's), as the KBS string of its base64.
   */
  public Platform launched(Octets measurement, Octets contractDigest) {
    if (measurement.length() != 48) {
      throw new IllegalArgumentException("measurement: PCR0 is 48 bytes, got " + measurement.length());
    }
    Map<Integer, Octets> pcrs = Map.of(0, measurement, ContractBinding.NITRO_PCR, ContractBinding.nitroPcr(contractDigest));
    Platform.Identity identity = new Platform.Identity(PlatformKind.SIMULATED, measurement, contractDigest);
    return new Platform() {
      @Override
      public JsonNode evidence(byte[] userData) {
        byte[] doc = document(new DocumentRequest(pcrs, Optional.of(Octets.copyOf(userData)), Optional.empty(), Optional.empty()));
        return TextNode.valueOf(Base64.getEncoder().encodeToString(doc));
      }

      @Override
      public String tee() {
        return "nitro";
      }

      @Override
      public Platform.Identity identity() {
        return identity;
      }
    };
  }

  @Override
  public String toString() {
    return "SimulatedNitroPlatform[" + root.getSubjectX500Principal().getName() + "]";
  }

  private static void create(Path tmp, Instant now) throws IOException, GeneralSecurityException {
    KeyPair rootKey = p384();
    KeyPair caKey = p384();
    KeyPair signerKey = p384();
    Instant from = now.minus(Duration.ofMinutes(5));
    Instant to = now.plus(VALIDITY);
    X500Name rootName = name("aws.nitro-enclaves SIMULATED root");
    X500Name caName = name("nitro-enclaves CA SIMULATED");
    X509Certificate root = issue(rootName, rootName, rootKey.getPublic(), rootKey.getPrivate(), BigInteger.ONE, from, to, 2);
    X509Certificate ca = issue(caName, rootName, caKey.getPublic(), rootKey.getPrivate(), BigInteger.TWO, from, to, 0);
    X509Certificate signer = issue(name("i-0000000000000000-enc0000000000000000 SIMULATED"), caName, signerKey.getPublic(), caKey.getPrivate(),
        BigInteger.valueOf(3), from, to, -1);
    Files.writeString(tmp.resolve("root.pem"), StateFiles.pem(root));
    Files.writeString(tmp.resolve("ca.pem"), StateFiles.pem(ca));
    Files.writeString(tmp.resolve("signer.pem"), StateFiles.pem(signer));
    StateFiles.writeSecret(tmp.resolve("signer.key"), signerKey.getPrivate());
  }

  private static X500Name name(String cn) {
    return new X500Name("CN=" + cn + DN_SUFFIX);
  }

  private static X509Certificate issue(X500Name subject, X500Name issuer, PublicKey key, PrivateKey signer, BigInteger serial, Instant from,
      Instant to, int pathLen) throws GeneralSecurityException, IOException {
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial, Date.from(from), Date.from(to), subject, key);
    boolean ca = pathLen >= 0;
    b.addExtension(Extension.basicConstraints, true, ca ? new BasicConstraints(pathLen) : new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
    try {
      return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA384withECDSA").build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign a certificate", e);
    }
  }

  private static KeyPair p384() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp384r1"));
    return g.generateKeyPair();
  }
}
