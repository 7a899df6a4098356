package dev.cloister.enclave.simulated;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Comparator;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * A simulated platform's state directory: created whole or not at all (written in a temporary
 * sibling, then renamed), so two processes starting at once agree on one root; private keys in
 * PKCS#8 PEM files of mode 0600; errors name the file, never its content.
 */
final class StateFiles {
  private StateFiles() {}

  /** What fills a new state directory. */
  @FunctionalInterface
  interface Writer {
    void write(Path tmp) throws IOException, GeneralSecurityException;
  }

  /** Creates {@code dir} with what {@code writer} puts in it, unless another process created it first (then its state stands). */
  static void createAtomically(Path dir, String marker, Writer writer) throws SimulatedPlatformException {
    Path parent = dir.toAbsolutePath().getParent();
    try {
      Files.createDirectories(parent);
      Path tmp = Files.createTempDirectory(parent, ".simulated-platform-");
      try {
        writer.write(tmp);
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        deleteTree(tmp);
        throw e;
      }
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        deleteTree(tmp);
        throw new SimulatedPlatformException("cannot create " + dir + " atomically", e);
      } catch (IOException e) {
        // rename(2) onto a populated directory fails: another process won the race, and its root is the one.
        deleteTree(tmp);
        if (!Files.exists(dir.resolve(marker))) {
          throw e;
        }
      }
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new SimulatedPlatformException("cannot create the simulated platform in " + dir + ": " + e.getMessage(), e);
    }
  }

  static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      if (o instanceof PrivateKey k) {
        p.writeObject(new JcaPKCS8Generator(k, null)); // PKCS#8, unencrypted: the file is 0600
      } else {
        p.writeObject(o);
      }
    }
    return w.toString();
  }

  static void writeSecret(Path file, PrivateKey key) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    }
    Files.writeString(file, pem(key));
  }

  static X509Certificate certificate(Path dir, String name) throws SimulatedPlatformException {
    try (var in = Files.newInputStream(dir.resolve(name))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException | GeneralSecurityException e) {
      throw new SimulatedPlatformException("simulated platform in " + dir + ": " + name + " missing or not a certificate");
    }
  }

  static PrivateKey privateKey(Path dir, String name) throws SimulatedPlatformException {
    if (read(dir, name) instanceof PrivateKeyInfo info) {
      try {
        return new JcaPEMKeyConverter().getPrivateKey(info);
      } catch (IOException e) {
        // the typed error below
      }
    }
    throw new SimulatedPlatformException("simulated platform in " + dir + ": " + name + " missing or not a PKCS#8 key");
  }

  static PublicKey publicKey(Path dir, String name) throws SimulatedPlatformException {
    if (read(dir, name) instanceof SubjectPublicKeyInfo info) {
      try {
        return new JcaPEMKeyConverter().getPublicKey(info);
      } catch (IOException e) {
        // the typed error below
      }
    }
    throw new SimulatedPlatformException("simulated platform in " + dir + ": " + name + " missing or not a public key");
  }

  /** The private key in {@code keyFile} with {@code certificate}'s public key, checked to be one pair. */
  static KeyPair pair(Path dir, String keyFile, PublicKey publicKey, String algorithm) throws SimulatedPlatformException {
    PrivateKey key = privateKey(dir, keyFile);
    try {
      byte[] probe = "cloister-key-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      java.security.Signature s = java.security.Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      s.initVerify(publicKey);
      s.update(probe);
      if (s.verify(sig)) {
        return new KeyPair(publicKey, key);
      }
    } catch (GeneralSecurityException e) {
      // the typed error below
    }
    throw new SimulatedPlatformException("simulated platform in " + dir + ": " + keyFile + " does not match its public key");
  }

  private static Object read(Path dir, String name) {
    try (PEMParser p = new PEMParser(new StringReader(Files.readString(dir.resolve(name))))) {
      return p.readObject();
    } catch (IOException e) {
      return null;
    }
  }

  static void deleteTree(Path p) throws IOException {
    try (var s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
  }
}
