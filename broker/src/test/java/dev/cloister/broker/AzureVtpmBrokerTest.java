package dev.cloister.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.testing.Swtpm;
import dev.cloister.enclave.kbs.KbsClient;
import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import dev.cloister.enclave.vtpm.AzureVtpm;
import dev.cloister.enclave.vtpm.AzureVtpmPlatform;
import dev.cloister.enclave.vtpm.TpmTransport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Azure vTPM attester against a broker over the KBS protocol: swtpm holds the simulated
 * platform's HCL report (its claims carrying swtpm's attestation key) and quotes with that key; a
 * broker that trusts the simulated root releases the key bound to the workload, the same broker
 * without simulation refuses the attestation.
 */
class AzureVtpmBrokerTest {
  private static final byte[] SECRET = "hospital-a dataset key: 32 bytes!".getBytes(StandardCharsets.UTF_8);
  private static final String MEASUREMENT = "ab".repeat(48);
  private static final String HOST_DATA = "5a".repeat(32);
  private static final String BOUND = "status == 'affirming' && claims.platform in ['hardware', 'simulated'] && claims.host_data == '"
      + HOST_DATA + "' && claims.measurement == '" + MEASUREMENT + "'";

  @TempDir Path tmp;

  @Test
  void theVtpmAttesterGetsTheKeyUnderAllowSimulatedAndNothingWithout() throws Exception {
    SimulatedSnpPlatform simulated = SimulatedSnpPlatform.openOrCreate(tmp.resolve("platform"), Clock.systemUTC());
    try (Swtpm swtpm = Swtpm.start()) {
      swtpm.provisionAk();
      AzureVtpmPlatform.TpmOpener tpm = () -> TpmTransport.tcp("127.0.0.1", swtpm.port());
      RSAPublicKey ak = (RSAPublicKey) new AzureVtpm(tpm.open()).attestationKey().key();
      swtpm.defineAndWrite(AzureVtpm.HCL_REPORT_INDEX, simulated.hclReport(Octets.fromHex(MEASUREMENT), Octets.fromHex(HOST_DATA), ak));
      AzureVtpmPlatform platform = AzureVtpmPlatform.open(tpm, PlatformKind.SIMULATED, report -> simulated.vcek(), null);

      Path data = tmp.resolve("broker");
      String admin = Files.readString(BrokerInit.init(data, Clock.systemUTC())).strip();
      try (Broker b = Broker.start(Broker.Options.loopback(data, 0).withSimulation(List.of(simulated.trustAnchor())))) {
        assertThat(send(b.uri(), admin, "POST", "/kbs/v0/resource/hospital-a/key/dataset", SECRET)).isEqualTo(200);
        assertThat(send(b.uri(), admin, "PUT", "/kbs/v0/resource-policy/hospital-a", BOUND.getBytes(StandardCharsets.UTF_8))).isEqualTo(200);
        KbsClient client = new KbsClient(b.uri());
        client.attest(platform);
        assertThat(client.resource("hospital-a/key/dataset")).isEqualTo(SECRET);
      }
      try (Broker b = Broker.start(Broker.Options.loopback(data, 0))) {
        KbsClient client = new KbsClient(b.uri());
        assertThatThrownBy(() -> client.attest(platform))
            .isInstanceOfSatisfying(KbsClient.KbsRefusedException.class, e -> assertThat(e.status()).isEqualTo(401));
      }
    }
  }

  private static int send(URI base, String token, String method, String path, byte[] body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
        .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }
}
