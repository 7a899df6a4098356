package dev.cloister.attestation.azure;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A TPM 2.0 quote: the TPMS_ATTEST structure (TPM 2.0 Part 2, 10.12.12) of type TPM_ST_ATTEST_QUOTE,
 * big-endian, with its qualified signer, extra data (the nonce), clock info, firmware version, and
 * the PCR selection and digest it attests. Trailing bytes are an error.
 */
public record TpmQuote(byte[] message, Octets qualifiedSigner, Octets extraData, long firmwareVersion, List<Selection> selections, Octets pcrDigest) {
  static final int TPM_GENERATED = 0xff544347;
  static final int TPM_ST_ATTEST_QUOTE = 0x8018;
  static final int TPM_ALG_SHA256 = 0x000B;

  /** One bank's selected PCRs. */
  public record Selection(int hashAlg, List<Integer> pcrs) {}

  public TpmQuote {
    message = message.clone();
    selections = List.copyOf(selections);
  }

  public static TpmQuote parse(byte[] message) throws MalformedEvidenceException {
    ByteBuffer b = ByteBuffer.wrap(message); // TPM structures are big-endian
    try {
      if (b.getInt() != TPM_GENERATED) {
        throw new MalformedEvidenceException("tpm_quote.magic", "not TPM_GENERATED_VALUE");
      }
      if ((b.getShort() & 0xFFFF) != TPM_ST_ATTEST_QUOTE) {
        throw new MalformedEvidenceException("tpm_quote.type", "not TPM_ST_ATTEST_QUOTE");
      }
      Octets signer = sized(b, "tpm_quote.qualified_signer");
      Octets extra = sized(b, "tpm_quote.extra_data");
      b.position(b.position() + 8 + 4 + 4 + 1); // clockInfo: clock, resetCount, restartCount, safe
      long firmware = b.getLong();
      int count = b.getInt();
      if (count < 0 || count > 16) {
        throw new MalformedEvidenceException("tpm_quote.pcr_select", "implausible selection count " + count);
      }
      List<Selection> selections = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int alg = b.getShort() & 0xFFFF;
        int size = b.get() & 0xFF;
        if (size > 8) {
          throw new MalformedEvidenceException("tpm_quote.pcr_select", "selection bitmap too large");
        }
        List<Integer> pcrs = new ArrayList<>();
        for (int byteIdx = 0; byteIdx < size; byteIdx++) {
          int bits = b.get() & 0xFF;
          for (int bit = 0; bit < 8; bit++) {
            if ((bits & (1 << bit)) != 0) {
              pcrs.add(byteIdx * 8 + bit);
            }
          }
        }
        selections.add(new Selection(alg, pcrs));
      }
      Octets digest = sized(b, "tpm_quote.pcr_digest");
      if (b.hasRemaining()) {
        throw new MalformedEvidenceException("tpm_quote", b.remaining() + " trailing bytes");
      }
      return new TpmQuote(message, signer, extra, firmware, selections, digest);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new MalformedEvidenceException("tpm_quote", "truncated TPMS_ATTEST");
    }
  }

  private static Octets sized(ByteBuffer b, String field) throws MalformedEvidenceException {
    int size = b.getShort() & 0xFFFF;
    if (size > b.remaining()) {
      throw new MalformedEvidenceException(field, "size " + size + " exceeds the structure");
    }
    byte[] v = new byte[size];
    b.get(v);
    return Octets.copyOf(v);
  }
}
