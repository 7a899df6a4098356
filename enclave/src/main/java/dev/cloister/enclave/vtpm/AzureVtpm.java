package dev.cloister.enclave.vtpm;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.azure.TpmQuote;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * An Azure confidential VM's vTPM as the attester uses it, over one TPM: the HCL report in NV index
 * {@value #HCL_REPORT_INDEX_HEX} and quotes by the attestation key at {@value #AK_HANDLE_HEX} over the
 * SHA-256 PCRs 0..23, each with the PCR values it covers (what Microsoft's az-cvm-vtpm crate reads,
 * and Trustee's attester sends).
 */
public final class AzureVtpm {
  public static final int HCL_REPORT_INDEX = 0x01400001;
  static final String HCL_REPORT_INDEX_HEX = "0x01400001";
  public static final int AK_HANDLE = 0x81000003;
  static final String AK_HANDLE_HEX = "0x81000003";
  public static final List<Integer> PCRS = IntStream.range(0, Tpm.PCR_COUNT).boxed().toList();
  private static final int ATTEMPTS = 3;

  private final Tpm tpm;

  public AzureVtpm(TpmTransport transport) {
    this.tpm = new Tpm(transport);
  }

  /** The HCL report, exactly the NV index's bytes. */
  public byte[] hclReport() throws IOException, TpmException {
    return tpm.nvReadAll(HCL_REPORT_INDEX);
  }

  /** The attestation key's public area; it must be a restricted signing key (it signs only TPM-generated data). */
  public Tpm.KeyPublic attestationKey() throws IOException, TpmException {
    Tpm.KeyPublic ak = tpm.readPublic(AK_HANDLE);
    if (!ak.restrictedSigningKey()) {
      throw new TpmException.Unsuitable("TPM2_ReadPublic", String.format("key %s is not a restricted signing key (attributes 0x%08x)",
          AK_HANDLE_HEX, ak.attributes()));
    }
    return ak;
  }

  /** A quote: the TPMS_ATTEST message, its signature, and the 24 SHA-256 PCR values its digest covers. */
  public record Quote(byte[] message, Tpm.TpmSignature signature, List<Octets> pcrs) {
    public Quote {
      message = message.clone();
      pcrs = List.copyOf(pcrs);
    }

    @Override
    public byte[] message() {
      return message.clone();
    }
  }

  /**
   * Quotes PCRs 0..23 with {@code nonce} as the quote's extra data, then reads their values. The
   * quote and the read are two commands: a PCR extended in between makes the values disagree with
   * the quoted digest, so the pair is taken again (three attempts) until they agree; a verifier would
   * refuse them otherwise.
   */
  public Quote quote(byte[] nonce) throws IOException, TpmException {
    Tpm.KeyPublic ak = attestationKey();
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Tpm.Quote q = tpm.quote(AK_HANDLE, ak, nonce, PCRS);
      TpmQuote parsed;
      try {
        parsed = TpmQuote.parse(q.attest());
      } catch (MalformedEvidenceException e) {
        throw new TpmException.Malformed("TPM2_Quote", "quoted TPMS_ATTEST: " + e.getMessage());
      }
      if (!parsed.extraData().contentEquals(nonce)) {
        throw new TpmException.Malformed("TPM2_Quote", "the quote's extra data is not the nonce given");
      }
      if (parsed.selections().size() != 1 || parsed.selections().getFirst().hashAlg() != Tpm.ALG_SHA256
          || !parsed.selections().getFirst().pcrs().equals(PCRS)) {
        throw new TpmException.Malformed("TPM2_Quote", "the quote does not select SHA-256 PCRs 0..23");
      }
      Tpm.PcrValues values = tpm.pcrRead(Tpm.ALG_SHA256, PCRS);
      List<Octets> pcrs = new ArrayList<>();
      MessageDigest d = sha256();
      for (int pcr : PCRS) {
        byte[] v = values.values().get(pcr);
        d.update(v);
        pcrs.add(Octets.copyOf(v));
      }
      if (parsed.pcrDigest().contentEquals(d.digest())) {
        return new Quote(q.attest(), q.signature(), pcrs);
      }
    }
    throw new TpmException.Unsuitable("TPM2_PCR_Read", "PCRs changed between each quote and the read of their values (" + ATTEMPTS + " attempts)");
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
