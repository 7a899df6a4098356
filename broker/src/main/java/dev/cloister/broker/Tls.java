package dev.cloister.broker;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** A server TLS context from a PEM certificate chain and a PEM private key (PKCS#8, SEC1 or PKCS#1). */
final class Tls {
  private Tls() {}

  static SSLContext context(Path certChain, Path key) throws IOException, GeneralSecurityException {
    Certificate[] chain;
    try (var in = Files.newInputStream(certChain)) {
      chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(Certificate[]::new);
    }
    if (chain.length == 0) {
      throw new GeneralSecurityException(certChain + " holds no certificate");
    }
    PrivateKey privateKey;
    try (Reader r = Files.newBufferedReader(key); PEMParser p = new PEMParser(r)) {
      Object o = p.readObject();
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      privateKey = switch (o) {
        case PrivateKeyInfo info -> conv.getPrivateKey(info);
        case PEMKeyPair pair -> conv.getKeyPair(pair).getPrivate();
        case null, default -> throw new GeneralSecurityException(key + " holds no unencrypted private key");
      };
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    char[] pw = new char[0];
    ks.setKeyEntry("broker", privateKey, pw, chain);
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, pw);
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }
}
