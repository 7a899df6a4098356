package dev.cloister.cli;

import dev.cloister.attestation.Octets;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** Reading what the user named: files, hex, times. Problems become {@link UsageException}s. */
final class Inputs {
  private Inputs() {}

  static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UsageException("cannot read " + p + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
    }
  }

  static List<X509Certificate> certificates(Path p) {
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(read(p)))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new UsageException(p + " holds no certificate");
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new UsageException(p + " is not a DER or PEM certificate file");
    }
  }

  static X509CRL crl(Path p) {
    try {
      return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(read(p)));
    } catch (GeneralSecurityException e) {
      throw new UsageException(p + " is not a DER or PEM CRL");
    }
  }

  static Octets hex(String value, int length, String option) {
    Octets o;
    try {
      o = Octets.fromHex(value);
    } catch (IllegalArgumentException e) {
      throw new UsageException(option + ": " + e.getMessage());
    }
    if (o.length() > length) {
      throw new UsageException(option + ": at most " + length + " bytes, got " + o.length());
    }
    if (o.length() < length) {
      byte[] padded = new byte[length]; // shorter values are zero-padded, as report data usually is
      o.copyTo(padded, 0);
      return Octets.copyOf(padded);
    }
    return o;
  }

  /** ISO-8601 instant ({@code 2025-01-01T00:00:00Z}) or epoch seconds. */
  static Instant time(String value) {
    try {
      if (value.matches("\\d+")) {
        return Instant.ofEpochSecond(Long.parseLong(value));
      }
      return Instant.parse(value);
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new UsageException("--at: not an ISO-8601 instant or epoch seconds: " + value);
    }
  }
}
