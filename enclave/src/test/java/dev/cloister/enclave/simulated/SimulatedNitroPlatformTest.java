package dev.cloister.enclave.simulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.TrustTier;
import dev.cloister.attestation.VerificationException;
import dev.cloister.attestation.nitro.NitroDocument;
import dev.cloister.attestation.tee.Context;
import dev.cloister.attestation.tee.Evidence;
import dev.cloister.attestation.tee.TeeFamilies;
import dev.cloister.attestation.tee.TeeFamily;
import dev.cloister.attestation.tee.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulated NSM's documents parse as AWS's do and go through the Nitro family's real path,
 * which accepts them only when the caller passes the simulated root and allows simulation.
 */
class SimulatedNitroPlatformTest {
  static final TeeFamily NITRO = TeeFamilies.named("nitro").orElseThrow();
  static final Octets MEASUREMENT = Octets.fromHex("ab".repeat(48));
  static final Octets CONTRACT = Octets.fromHex("cd".repeat(32));
  @TempDir static Path shared;
  static Path dir;
  static SimulatedNitroPlatform platform;

  @BeforeAll
  static void createOnce() throws Exception {
    dir = shared.resolve("nitro");
    platform = SimulatedNitroPlatform.openOrCreate(dir, Clock.systemUTC());
  }

  static Context trusting(boolean allowSimulated) throws Exception {
    return Context.builder().simulatedNitroRoots(List.of(SimulatedNitroPlatform.rootIn(dir))).allowSimulated(allowSimulated).build();
  }

  static byte[] document(SimulatedNitroPlatform p, byte[] userData) throws Exception {
    return Base64.getDecoder().decode(p.launched(MEASUREMENT, CONTRACT).evidence(userData).asText());
  }

  @Test
  void theDocumentHasTheNsmFieldsAndChain() throws Exception {
    byte[] userData = new byte[48];
    userData[0] = 9;
    byte[] bytes = document(platform, userData);
    assertThat(bytes[0] & 0xFF).as("untagged COSE_Sign1: a CBOR array of 4").isEqualTo(0x84);
    NitroDocument d = NitroDocument.parse(bytes);
    assertThat(d.digest()).isEqualTo("SHA384");
    assertThat(d.moduleId()).contains("SIMULATED");
    assertThat(d.pcrs().get(0)).isEqualTo(MEASUREMENT);
    // PCR16 = SHA-384(48 zero bytes || contract digest): the NSM's ExtendPCR from the reset value.
    byte[] extend = new byte[80];
    System.arraycopy(CONTRACT.toByteArray(), 0, extend, 48, 32);
    assertThat(d.pcrs().get(16).toByteArray()).isEqualTo(MessageDigest.getInstance("SHA-384").digest(extend));
    assertThat(d.userData()).contains(Octets.copyOf(userData));
    assertThat(d.nonce()).isEmpty();
    assertThat(d.cabundle()).hasSize(2);
    assertThat(d.cabundle().getFirst()).isEqualTo(platform.root());
    assertThat(d.cabundle().getFirst().getSubjectX500Principal().getName()).contains("SIMULATED");
    assertThat(d.debugMode()).isFalse();
  }

  @Test
  void nonceAndPublicKeyAsAsked() throws Exception {
    byte[] doc = platform.document(new SimulatedNitroPlatform.DocumentRequest(Map.of(0, MEASUREMENT), Optional.empty(),
        Optional.of(Octets.fromHex("0102")), Optional.of(Octets.fromHex("0304"))));
    NitroDocument d = NitroDocument.parse(doc);
    assertThat(d.nonce()).contains(Octets.fromHex("0102"));
    assertThat(d.publicKey()).contains(Octets.fromHex("0304"));
    assertThat(d.userData()).isEmpty();
  }

  @Test
  void acceptedWithItsRootAndSimulationAllowedAndLabelledSimulated() throws Exception {
    byte[] userData = new byte[48];
    Verdict v = NITRO.evaluate(new Evidence.Bytes(document(platform, userData)), trusting(true));
    assertThat(v.status()).isEqualTo(TrustTier.AFFIRMING);
    assertThat(v.claims()).containsEntry("platform", "simulated");
    assertThat(((Map<?, ?>) v.claims().get("pcrs")).get("0")).isEqualTo("ab".repeat(48));
    // The KBS session binding is the document's user_data.
    assertThat(NITRO.evaluate(new Evidence.Bytes(document(platform, userData)), trusting(true).withSessionBinding(userData)).status())
        .isEqualTo(TrustTier.AFFIRMING);
  }

  @Test
  void refusedWithoutAllowSimulatedNamingWhy() throws Exception {
    byte[] doc = document(platform, new byte[48]);
    assertThatThrownBy(() -> NITRO.evaluate(new Evidence.Bytes(doc), trusting(false))).isInstanceOfSatisfying(VerificationException.class, x -> {
      assertThat(x.field()).isEqualTo("nitro.cabundle[0]");
      assertThat(x.detail()).contains("SIMULATED root").contains("a simulated platform's root, trusted only when simulation is allowed");
    });
  }

  @Test
  void refusedByDefaultAsNotAnAwsRoot() throws Exception {
    byte[] doc = document(platform, new byte[48]);
    assertThatThrownBy(() -> NITRO.evaluate(new Evidence.Bytes(doc), Context.builder().allowSimulated(true).build()))
        .isInstanceOfSatisfying(VerificationException.class, x -> {
          assertThat(x.field()).isEqualTo("nitro.cabundle[0]");
          assertThat(x.detail()).contains("is not a trusted Nitro root");
        });
  }

  @Test
  void refusedWhenSignedByAnotherSimulatedPlatform(@TempDir Path other) throws Exception {
    SimulatedNitroPlatform stranger = SimulatedNitroPlatform.openOrCreate(other.resolve("nitro"), Clock.systemUTC());
    byte[] doc = document(stranger, new byte[48]);
    assertThatThrownBy(() -> NITRO.evaluate(new Evidence.Bytes(doc), trusting(true))).isInstanceOfSatisfying(VerificationException.class, x -> {
      assertThat(x.field()).isEqualTo("nitro.cabundle[0]");
      assertThat(x.detail()).contains("is not a trusted Nitro root");
    });
  }

  @Test
  void stateIsKeptOnceKeyPrivate() throws Exception {
    assertThat(SimulatedNitroPlatform.openOrCreate(dir, Clock.systemUTC()).root()).isEqualTo(platform.root());
    assertThat(Files.getPosixFilePermissions(dir.resolve("signer.key"))).isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
  }
}
