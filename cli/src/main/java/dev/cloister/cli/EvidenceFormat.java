package dev.cloister.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.dcap.evidence.IntelTee;
import java.io.IOException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The evidence formats {@code attest verify} reads, and their detection from the bytes: what the
 * bytes say, never the file name. Detection only picks a parser; the parser and the verifier
 * decide whether the evidence is well formed and genuine.
 */
enum EvidenceFormat {
  SNP("snp"),
  TDX("tdx"),
  SGX("sgx"),
  NITRO("nitro"),
  AZ_SNP_VTPM("az-snp-vtpm"),
  AZ_TDX_VTPM("az-tdx-vtpm");

  static final String NAMES = "snp, tdx, sgx, nitro, az-snp-vtpm, az-tdx-vtpm";
  static final String TRIED = "Trustee's SNP, az-snp-vtpm, az-tdx-vtpm, TDX or SGX evidence JSON (by its keys); a DCAP quote header "
      + "(version 3-5, ECDSA P-256 key, SGX or TDX tee type); a Nitro COSE_Sign1 (CBOR array of 4, or tag 18); "
      + "a 1184-byte SEV-SNP report (version 2-5); each also as hex or base64 text";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SNP_REPORT_SIZE = 0x4A0;

  private final String label;

  EvidenceFormat(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }

  static EvidenceFormat named(String name) {
    for (EvidenceFormat f : values()) {
      if (f.label.equals(name)) {
        return f;
      }
    }
    throw new UsageException("--format: one of " + NAMES + ", got '" + name + "'");
  }

  /** A format and the bytes its decoder takes (text forms already decoded). */
  record Detected(EvidenceFormat format, byte[] bytes) {}

  /** The format the bytes say, or empty. */
  static Optional<Detected> detect(byte[] bytes) {
    Optional<Detected> d = detectOnce(bytes);
    if (d.isPresent()) {
      return d;
    }
    return text(bytes).flatMap(EvidenceFormat::binary); // hex or base64 text of a binary form
  }

  private static Optional<Detected> detectOnce(byte[] bytes) {
    int i = 0;
    while (i < bytes.length && Character.isWhitespace(bytes[i])) {
      i++;
    }
    if (i < bytes.length && bytes[i] == '{') {
      return json(bytes);
    }
    return binary(bytes);
  }

  private static Optional<Detected> json(byte[] bytes) {
    JsonNode n;
    try {
      n = JSON.readTree(bytes);
    } catch (IOException e) {
      return Optional.empty();
    }
    if (n == null || !n.isObject()) {
      return Optional.empty();
    }
    if (n.has("attestation_report")) {
      return Optional.of(new Detected(SNP, bytes));
    }
    if (n.has("td_quote")) {
      return Optional.of(new Detected(AZ_TDX_VTPM, bytes));
    }
    if (n.has("hcl_report") || n.has("tpm_quote") || (n.has("report") && n.has("quote") && n.has("vcek"))) {
      return Optional.of(new Detected(AZ_SNP_VTPM, bytes));
    }
    if (n.path("quote").isTextual()) {
      try {
        Optional<IntelTee> tee = IntelTee.ofQuoteHeader(Base64.getDecoder().decode(n.get("quote").asText()));
        if (tee.isPresent()) {
          return Optional.of(new Detected(tee.get() == IntelTee.TDX ? TDX : SGX, bytes));
        }
      } catch (IllegalArgumentException e) {
        // not base64: not Trustee's Intel evidence
      }
      if (n.has("cc_eventlog")) {
        return Optional.of(new Detected(TDX, bytes)); // the decoder names what is wrong with the quote
      }
    }
    return Optional.empty();
  }

  private static Optional<Detected> binary(byte[] b) {
    Optional<IntelTee> tee = IntelTee.ofQuoteHeader(b);
    if (tee.isPresent()) {
      return Optional.of(new Detected(tee.get() == IntelTee.TDX ? TDX : SGX, b));
    }
    if (b.length > 1 && ((b[0] & 0xFF) == 0x84 || ((b[0] & 0xFF) == 0xD2 && (b[1] & 0xFF) == 0x84))) {
      return Optional.of(new Detected(NITRO, b));
    }
    if (b.length == SNP_REPORT_SIZE) {
      int version = (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
      if (version >= 2 && version <= 5) {
        return Optional.of(new Detected(SNP, b));
      }
    }
    return Optional.empty();
  }

  /**
   * The bytes written as text: hex (optionally {@code 0x}-prefixed) or base64 (standard or URL
   * alphabet, line breaks allowed), or empty when they are neither.
   */
  static Optional<byte[]> text(byte[] bytes) {
    String s = new String(bytes, java.nio.charset.StandardCharsets.US_ASCII).strip();
    if (s.startsWith("0x") || s.startsWith("0X")) {
      s = s.substring(2);
    }
    if (s.isEmpty() || !s.chars().allMatch(c -> c < 128)) {
      return Optional.empty();
    }
    String compact = s.replaceAll("\\s", "");
    if (compact.matches("([0-9a-fA-F]{2})+")) {
      return Optional.of(HexFormat.of().parseHex(compact));
    }
    if (compact.matches("[A-Za-z0-9+/_-]+={0,2}")) {
      try {
        byte[] out = Base64.getDecoder().decode(compact.replace('-', '+').replace('_', '/'));
        return out.length == 0 ? Optional.empty() : Optional.of(out);
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }
}
