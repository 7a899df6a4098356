package dev.cloister.attestation.snp.abi;

import java.util.Optional;

/** CPUID family, model and stepping of the chip (version 3 and later reports). */
public record Cpuid(int family, int model, int stepping) {
  public Optional<ProductLine> productLine() {
    return ProductLine.fromCpuid(family, model);
  }

  @Override
  public String toString() {
    return String.format("family 0x%02x model 0x%02x stepping 0x%02x", family, model, stepping);
  }
}
