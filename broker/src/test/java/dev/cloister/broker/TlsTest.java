package dev.cloister.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {
  @Test
  void servesHttpsWithTheGivenCertificateAndSecureCookies(@TempDir Path tmp) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=127.0.0.1"), BigInteger.TEN,
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=127.0.0.1"), kp.getPublic());
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    Path certFile = tmp.resolve("cert.pem");
    Path keyFile = tmp.resolve("key.pem");
    Files.writeString(certFile, pem(cert));
    Files.writeString(keyFile, pem(new JcaPKCS8Generator(kp.getPrivate(), null)));
    Path dir = tmp.resolve("b");
    BrokerInit.init(dir, Clock.systemUTC());
    Broker.Options o = new Broker.Options(dir, "127.0.0.1", 0, Optional.of(certFile), Optional.of(keyFile), false, dev.cloister.attestation.tee.SimulatedRoots.NONE,
        Clock.systemUTC(), Duration.ofMinutes(5), Duration.ofMinutes(5), java.util.Set.copyOf(dev.cloister.attestation.tee.TeeFamilies.names()),
        dev.cloister.attestation.tee.TeeFamilies.defaultNitroRoots(), Optional.empty(), java.util.Map.of(), false);
    try (Broker broker = Broker.start(o)) {
      assertThat(broker.uri().getScheme()).isEqualTo("https");
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("broker", cert);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      HttpClient http = HttpClient.newBuilder().sslContext(ctx).build();
      assertThat(http.send(HttpRequest.newBuilder(broker.uri().resolve("/healthz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
      HttpResponse<String> auth = http.send(HttpRequest.newBuilder(broker.uri().resolve("/kbs/v0/auth"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"version\":\"0.4.0\",\"tee\":\"snp\"}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(auth.headers().firstValue("Set-Cookie")).hasValueSatisfying(c -> assertThat(c).contains("; Secure").contains("HttpOnly"));
    }
  }

  private static String pem(Object o) throws Exception {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    }
    return w.toString();
  }
}
