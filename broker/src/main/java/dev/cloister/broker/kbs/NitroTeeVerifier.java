package dev.cloister.broker.kbs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.attestation.AttestationException;
import dev.cloister.attestation.AttestationResult;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.nitro.NitroAppraiser;
import dev.cloister.attestation.nitro.NitroDocument;
import dev.cloister.attestation.nitro.NitroVerifier;
import dev.cloister.attestation.nitro.VerifiedNitroDocument;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * AWS Nitro Enclaves for the broker ({@code tee: "nitro"}, Cloister's own: Trustee has no Nitro
 * verifier). The evidence is a JSON string holding the standard base64 of the attestation
 * document (the NSM's COSE_Sign1, untagged or tagged).
 *
 * <p>The session binding is the document's {@code user_data}: the enclave asks the NSM for a
 * document whose user data is exactly the 48-byte KBS runtime-data digest (SHA-384 of the RFC 8785
 * form of nonce, TEE key and additional evidence), as a KBS attester hands its report data to the
 * hardware, unpadded as Trustee does for variable-length fields. The NSM {@code nonce} field stays
 * the application's and is not read here. Debug enclaves are refused unless a {@code broker serve
 * --policy nitro=FILE} file allows them; its PCRs and public key are checked; the document must
 * chain to a configured Nitro root at the broker's clock.
 */
public final class NitroTeeVerifier implements TeeVerifier {
  private final List<X509Certificate> roots;
  private final Clock clock;
  private final NitroAppraiser.Options policy;

  /** @param policy what the document must show besides the session's user data (whose own {@code userData} is replaced) */
  public NitroTeeVerifier(List<X509Certificate> roots, Clock clock, NitroAppraiser.Options policy) {
    this.roots = List.copyOf(roots);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.policy = Objects.requireNonNull(policy, "policy");
    if (this.roots.isEmpty()) {
      throw new IllegalArgumentException("nitro: no trusted Nitro root");
    }
  }

  @Override
  public AttestationResult attest(JsonNode evidence, byte[] expectedReportData) throws AttestationException {
    if (!evidence.isTextual()) {
      throw new MalformedEvidenceException("tee-evidence", "nitro evidence must be a string holding the base64 attestation document");
    }
    byte[] document;
    try {
      document = Base64.getDecoder().decode(evidence.asText());
    } catch (IllegalArgumentException e) {
      throw new MalformedEvidenceException("tee-evidence", "nitro evidence is not standard base64");
    }
    VerifiedNitroDocument verified = NitroVerifier.verify(NitroDocument.parse(document), roots, clock);
    var options = new NitroAppraiser.Options(policy.allowDebug(), policy.pcrs(), policy.nonce(), Optional.of(Octets.copyOf(expectedReportData)),
        policy.publicKey(), policy.allowSimulated(), policy.cel());
    return NitroAppraiser.appraise(verified, options);
  }

  @Override
  public int reportDataSize() {
    return 48;
  }

  @Override
  public String bindingClaim() {
    return "user_data";
  }
}
