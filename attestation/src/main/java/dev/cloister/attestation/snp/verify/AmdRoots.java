package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.snp.abi.ProductLine;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * AMD's SEV-SNP roots for Milan, Genoa and Turin, embedded so that verification never depends on
 * the network. Each resource is AMD KDS's product bundle (ASK, ARK, ASVK); the ARK's SHA-256
 * fingerprint is pinned here so a changed resource fails loudly at start-up.
 */
public final class AmdRoots {
  private static final Map<ProductLine, String> ARK_SHA256 =
      Map.of(
          ProductLine.MILAN, "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd",
          ProductLine.GENOA, "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1",
          ProductLine.TURIN, "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a");

  private static final List<TrustAnchor> ALL = load();
  /** The pinned ARKs, for deriving an anchor's platform from its certificate's bytes. */
  private static final Map<ProductLine, X509Certificate> ARKS = ALL.stream()
      .collect(java.util.stream.Collectors.toUnmodifiableMap(TrustAnchor::product, TrustAnchor::ark));

  private AmdRoots() {}

  /** The trust anchors for every supported product line, ARK pinned. */
  public static List<TrustAnchor> all() {
    return ALL;
  }

  /** Whether {@code ark} is AMD's embedded root for {@code product} (same DER bytes, so same SHA-256 as pinned). */
  static boolean isPinnedArk(ProductLine product, X509Certificate ark) {
    return ark.equals(ARKS.get(product));
  }

  private static List<TrustAnchor> load() {
    List<TrustAnchor> out = new ArrayList<>();
    for (ProductLine p : ProductLine.values()) {
      String resource = "amd/" + p.kdsName().toLowerCase(java.util.Locale.ROOT) + ".pem";
      try (InputStream in = AmdRoots.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("embedded AMD root missing: " + resource);
        }
        List<X509Certificate> certs = new ArrayList<>();
        for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          certs.add((X509Certificate) c);
        }
        X509Certificate ark =
            certs.stream()
                .filter(c -> c.getSubjectX500Principal().equals(c.getIssuerX500Principal()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no ARK in " + resource));
        String fp = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ark.getEncoded()));
        if (!fp.equals(ARK_SHA256.get(p))) {
          throw new IllegalStateException("embedded ARK for " + p.kdsName() + " does not match its pinned fingerprint");
        }
        List<X509Certificate> intermediates = certs.stream().filter(c -> c != ark).toList();
        out.add(new TrustAnchor("AMD " + p.kdsName(), p, ark, intermediates));
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalStateException("cannot load embedded AMD root " + resource, e);
      }
    }
    return List.copyOf(out);
  }
}
