package dev.cloister.attestation.snp.abi;

import java.util.Optional;

/**
 * An AMD EPYC product line with SEV-SNP. It fixes the TCB_VERSION layout and the AMD KDS product
 * name. Turin (Zen 5) adds an FMC SPL and moves the other fields.
 */
public enum ProductLine {
  MILAN("Milan", TcbLayout.ZEN3_ZEN4),
  GENOA("Genoa", TcbLayout.ZEN3_ZEN4),
  TURIN("Turin", TcbLayout.ZEN5);

  /** Where each SPL sits in a TCB_VERSION. */
  public enum TcbLayout {
    /** bootloader[0], tee[1], reserved[2..5], snp[6], microcode[7]. */
    ZEN3_ZEN4,
    /** fmc[0], bootloader[1], tee[2], snp[3], reserved[4..6], microcode[7]. */
    ZEN5
  }

  private final String kdsName;
  private final TcbLayout tcbLayout;

  ProductLine(String kdsName, TcbLayout tcbLayout) {
    this.kdsName = kdsName;
    this.tcbLayout = tcbLayout;
  }

  /** The name AMD KDS uses in URLs and certificate CNs, e.g. {@code "Milan"}. */
  public String kdsName() {
    return kdsName;
  }

  public TcbLayout tcbLayout() {
    return tcbLayout;
  }

  /**
   * The product line of a CPUID family/model pair as reported in v3+ reports (family and model
   * include their extended parts). Unknown pairs give empty.
   */
  public static Optional<ProductLine> fromCpuid(int family, int model) {
    if (family == 0x19) {
      if (model <= 0x0F) {
        return Optional.of(MILAN);
      }
      if ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF)) {
        return Optional.of(GENOA); // Genoa, Bergamo (0x1x) and Siena (0xAx)
      }
    } else if (family == 0x1A && model <= 0x1F) {
      return Optional.of(TURIN);
    }
    return Optional.empty();
  }

  /**
   * The product line named by a VCEK's productName extension or a KDS name, e.g. {@code "Milan-B0"}
   * or {@code "Genoa"}.
   */
  public static Optional<ProductLine> fromName(String name) {
    for (ProductLine p : values()) {
      if (name.equals(p.kdsName) || name.startsWith(p.kdsName + "-")) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
