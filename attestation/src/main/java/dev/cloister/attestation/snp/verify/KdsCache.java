package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.TcbVersion;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Optional;

/**
 * An offline directory laid out like AMD KDS: the file for a resource is the resource's KDS path
 * under the directory, query string included, e.g. {@code DIR/vcek/v1/Milan/cert_chain},
 * {@code DIR/vcek/v1/Milan/crl}, and {@code DIR/vcek/v1/Milan/<hwid
 * hex>?blSPL=02&teeSPL=00&snpSPL=05&ucodeSPL=68}. Files are DER or PEM.
 */
public final class KdsCache implements CertificateSource {
  private final Path root;

  public KdsCache(Path root) {
    this.root = Objects.requireNonNull(root, "root");
  }

  public Path root() {
    return root;
  }

  @Override
  public Optional<X509Certificate> vcek(ProductLine product, Octets hwid, TcbVersion tcb) throws VerificationException {
    Optional<byte[]> bytes = read(KdsPaths.vcek(product, hwid, tcb));
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of((X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(bytes.get())));
    } catch (GeneralSecurityException e) {
      throw new VerificationException("kds_cache.vcek", "cached VCEK does not parse: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<SourcedCrl> crl(ProductLine product) throws VerificationException {
    String path = KdsPaths.crl(product);
    Optional<byte[]> bytes = read(path);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      X509CRL crl = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(bytes.get()));
      return Optional.of(new SourcedCrl(crl, "KDS cache " + root.resolve(path)));
    } catch (GeneralSecurityException e) {
      throw new VerificationException("kds_cache.crl", "cached CRL does not parse: " + e.getMessage(), e);
    }
  }

  /** Stores a KDS resource (used by {@link KdsClient} to fill the cache). */
  void store(String kdsPath, byte[] bytes) throws IOException {
    Path target = root.resolve(kdsPath);
    Files.createDirectories(target.getParent());
    Path tmp = Files.createTempFile(target.getParent(), ".kds", ".tmp");
    Files.write(tmp, bytes);
    Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private Optional<byte[]> read(String kdsPath) throws VerificationException {
    Path p = root.resolve(kdsPath);
    if (!Files.isRegularFile(p)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.readAllBytes(p));
    } catch (IOException e) {
      throw new VerificationException("kds_cache", "cannot read " + p + ": " + e.getMessage(), e);
    }
  }
}
