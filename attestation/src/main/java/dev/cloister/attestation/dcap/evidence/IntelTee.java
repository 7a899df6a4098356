package dev.cloister.attestation.dcap.evidence;

import java.util.Optional;

/**
 * The Intel TEE a DCAP quote's header names, read from its first eight bytes only: version (3, 4
 * or 5), attestation key type (2, ECDSA P-256) and TEE type (0 SGX, 0x81 TDX), all little-endian.
 * A header is not evidence: it only tells which parser and verifier to use.
 */
public enum IntelTee {
  TDX("tdx"),
  SGX("sgx");

  private final String label;

  IntelTee(String label) {
    this.label = label;
  }

  /** The KBS {@code tee} value and CLI format name. */
  public String label() {
    return label;
  }

  /** The TEE the header names, or empty when these bytes do not start like a DCAP quote Cloister reads. */
  public static Optional<IntelTee> ofQuoteHeader(byte[] quote) {
    if (quote.length < 48) {
      return Optional.empty();
    }
    int version = u16(quote, 0);
    int keyType = u16(quote, 2);
    long teeType = (u16(quote, 4) | ((long) u16(quote, 6) << 16));
    if (keyType != 2) {
      return Optional.empty();
    }
    if (teeType == 0x81 && (version == 4 || version == 5)) {
      return Optional.of(TDX);
    }
    if (teeType == 0 && (version == 3 || version == 5)) {
      return Optional.of(SGX);
    }
    return Optional.empty();
  }

  private static int u16(byte[] b, int at) {
    return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
  }
}
