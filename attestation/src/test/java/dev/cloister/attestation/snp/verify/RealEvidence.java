package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.testing.Vectors;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Loading helpers for the real samples in testdata/vectors (see its INDEX.md for provenance). */
final class RealEvidence {
  private RealEvidence() {}

  static X509Certificate cert(String relative) throws Exception {
    return certs(Vectors.read(relative)).getFirst();
  }

  static List<X509Certificate> certs(byte[] derOrPem) throws Exception {
    List<X509Certificate> out = new ArrayList<>();
    for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(derOrPem))) {
      out.add((X509Certificate) c);
    }
    return out;
  }

  static byte[] hexFile(String relative) {
    return HexFormat.of().parseHex(new String(Vectors.read(relative)).strip());
  }

  static VerifyOptions at(String isoInstant) {
    return VerifyOptions.builder().clock(Clock.fixed(Instant.parse(isoInstant), ZoneOffset.UTC)).build();
  }
}
