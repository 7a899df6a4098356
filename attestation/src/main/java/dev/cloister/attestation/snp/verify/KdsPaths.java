package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.TcbVersion;

/**
 * AMD KDS resource paths (AMD "VCEK Certificate and KDS Interface Specification"), shared by the
 * network client and the offline cache so that a cache is a plain mirror of KDS.
 */
final class KdsPaths {
  private KdsPaths() {}

  /** {@code vcek/v1/{product}/{hwid}?blSPL=..&teeSPL=..&snpSPL=..&ucodeSPL=..} (Turin adds fmcSPL). */
  static String vcek(ProductLine product, Octets hwid, TcbVersion tcb) {
    TcbVersion.Parts p = tcb.parts(product);
    String id = product == ProductLine.TURIN && hwid.length() == 64 ? Octets.copyOfRange(hwid.toByteArray(), 0, 8).hex() : hwid.hex();
    StringBuilder q = new StringBuilder("vcek/v1/").append(product.kdsName()).append('/').append(id).append('?');
    if (p.fmc() >= 0) {
      q.append("fmcSPL=").append(two(p.fmc())).append('&');
    }
    q.append("blSPL=").append(two(p.bootloader()))
        .append("&teeSPL=").append(two(p.tee()))
        .append("&snpSPL=").append(two(p.snp()))
        .append("&ucodeSPL=").append(two(p.microcode()));
    return q.toString();
  }

  static String crl(ProductLine product) {
    return "vcek/v1/" + product.kdsName() + "/crl";
  }

  private static String two(int v) {
    return v < 10 ? "0" + v : Integer.toString(v);
  }
}
