package dev.cloister.enclave.nsm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.enclave.Platform;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;

/**
 * The platform of a workload in an AWS Nitro enclave, through {@code /dev/nsm}: each evidence call
 * asks the NSM for a fresh attestation document whose {@code user_data} is the KBS binding, given
 * to the broker's {@code nitro} family as the base64 document (a JSON string). The NSM
 * {@code nonce} and {@code public_key} are left unset: they belong to the application.
 *
 * <p>The identity is the enclave image: PCR0 is the measurement (what a release policy pins as
 * {@code claims.pcrs['0']}); Nitro has no host data, so it is empty.
 */
public final class NsmPlatform implements Platform {

  /** Opens the device for one request. */
  @FunctionalInterface
  public interface Opener {
    Nsm open() throws NsmException;
  }

  private final Opener opener;
  private final Identity identity;

  private NsmPlatform(Opener opener, Identity identity) {
    this.opener = opener;
    this.identity = identity;
  }

  public static boolean present(Path dev) {
    return Nsm.present(dev);
  }

  /** The platform on {@code dev}; asks for one document to learn PCR0. */
  public static NsmPlatform open(Path dev) throws NsmException {
    return open(() -> Nsm.open(dev));
  }

  public static NsmPlatform open(Opener opener) throws NsmException {
    try (Nsm nsm = opener.open()) {
      Octets pcr0 = nsm.attestation(Optional.empty(), Optional.empty(), Optional.empty()).parsed().pcrs().get(0);
      if (pcr0 == null) {
        throw new NsmException.BadResponse("Attestation.document.pcrs", "has no PCR0", null);
      }
      return new NsmPlatform(opener, new Identity(PlatformKind.HARDWARE, pcr0, Octets.zeros(0)));
    }
  }

  @Override
  public String tee() {
    return "nitro";
  }

  @Override
  public Identity identity() {
    return identity;
  }

  @Override
  public JsonNode evidence(byte[] reportData) throws NsmException {
    try (Nsm nsm = opener.open()) {
      byte[] document = nsm.attestation(Optional.of(Octets.copyOf(reportData)), Optional.empty(), Optional.empty()).document();
      return TextNode.valueOf(Base64.getEncoder().encodeToString(document));
    }
  }

  @Override
  public String toString() {
    return "NsmPlatform[pcr0 " + identity.measurement().hex() + "]";
  }
}
