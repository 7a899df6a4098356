package dev.cloister.attestation.snp.abi;

/**
 * A TCB_VERSION: the security patch levels (SPLs) of the SEV-SNP firmware components, as one
 * 64-bit little-endian value. Its layout depends on the product line, which a v2 report does not
 * carry, so the raw value is kept and decoded on demand.
 */
public record TcbVersion(long raw) {

  /** The SPLs as decoded with a product's layout. {@code fmc} is -1 where the layout has none. */
  public record Parts(int fmc, int bootloader, int tee, int snp, int microcode) {

    /** True if every SPL here is at least the corresponding SPL of {@code minimum}. */
    public boolean atLeast(Parts minimum) {
      return fmc >= minimum.fmc
          && bootloader >= minimum.bootloader
          && tee >= minimum.tee
          && snp >= minimum.snp
          && microcode >= minimum.microcode;
    }

    @Override
    public String toString() {
      return (fmc >= 0 ? "fmc=" + fmc + " " : "")
          + "bl=" + bootloader + " tee=" + tee + " snp=" + snp + " ucode=" + microcode;
    }
  }

  private int byteAt(int i) {
    return (int) ((raw >>> (8 * i)) & 0xFF);
  }

  public Parts parts(ProductLine product) {
    return switch (product.tcbLayout()) {
      case ZEN3_ZEN4 -> new Parts(-1, byteAt(0), byteAt(1), byteAt(6), byteAt(7));
      case ZEN5 -> new Parts(byteAt(0), byteAt(1), byteAt(2), byteAt(3), byteAt(7));
    };
  }

  /** True if the bytes reserved in this product's layout are zero. */
  public boolean reservedBytesZero(ProductLine product) {
    return switch (product.tcbLayout()) {
      case ZEN3_ZEN4 -> byteAt(2) == 0 && byteAt(3) == 0 && byteAt(4) == 0 && byteAt(5) == 0;
      case ZEN5 -> byteAt(4) == 0 && byteAt(5) == 0 && byteAt(6) == 0;
    };
  }

  /** Encodes SPLs with a product's layout ({@code fmc} ignored where the layout has none). */
  public static TcbVersion of(ProductLine product, int fmc, int bootloader, int tee, int snp, int microcode) {
    for (int v : new int[] {bootloader, tee, snp, microcode}) {
      if (v < 0 || v > 0xFF) {
        throw new IllegalArgumentException("SPL out of range 0..255: " + v);
      }
    }
    long r =
        switch (product.tcbLayout()) {
          case ZEN3_ZEN4 ->
              (long) bootloader | (long) tee << 8 | (long) snp << 48 | (long) microcode << 56;
          case ZEN5 -> {
            if (fmc < 0 || fmc > 0xFF) {
              throw new IllegalArgumentException("FMC SPL out of range 0..255: " + fmc);
            }
            yield (long) fmc | (long) bootloader << 8 | (long) tee << 16 | (long) snp << 24 | (long) microcode << 56;
          }
        };
    return new TcbVersion(r);
  }

  /** The value as AMD tools print it: 16 hex digits of the little-endian bytes, e.g. {@code 0200000000000544}. */
  public String hexBytes() {
    StringBuilder sb = new StringBuilder(16);
    for (int i = 0; i < 8; i++) {
      sb.append(String.format("%02x", byteAt(i)));
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "TcbVersion[" + hexBytes() + "]";
  }
}
