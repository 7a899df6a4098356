package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.TcbVersion;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * Where certificates and CRLs come from when the evidence does not carry them: an offline cache laid
 * out like AMD KDS ({@link KdsCache}) or AMD KDS itself ({@link KdsClient}, off unless chosen).
 * What a source returns is a candidate only; the verifier checks it like any other certificate.
 */
public interface CertificateSource {
  /** The VCEK for a chip at a TCB, if this source has it. */
  Optional<X509Certificate> vcek(ProductLine product, Octets hwid, TcbVersion tcb) throws VerificationException;

  /** The product's CRL (signed by its ARK, which the verifier checks), if this source has it, with where it came from. */
  Optional<SourcedCrl> crl(ProductLine product) throws VerificationException;

  /** A source with nothing in it. */
  static CertificateSource none() {
    return new CertificateSource() {
      @Override
      public Optional<X509Certificate> vcek(ProductLine product, Octets hwid, TcbVersion tcb) {
        return Optional.empty();
      }

      @Override
      public Optional<SourcedCrl> crl(ProductLine product) {
        return Optional.empty();
      }
    };
  }

  /** This source, then {@code next} for whatever this one lacks. */
  default CertificateSource orElse(CertificateSource next) {
    CertificateSource first = this;
    return new CertificateSource() {
      @Override
      public Optional<X509Certificate> vcek(ProductLine product, Octets hwid, TcbVersion tcb) throws VerificationException {
        Optional<X509Certificate> c = first.vcek(product, hwid, tcb);
        return c.isPresent() ? c : next.vcek(product, hwid, tcb);
      }

      @Override
      public Optional<SourcedCrl> crl(ProductLine product) throws VerificationException {
        Optional<SourcedCrl> c = first.crl(product);
        return c.isPresent() ? c : next.crl(product);
      }
    };
  }
}
