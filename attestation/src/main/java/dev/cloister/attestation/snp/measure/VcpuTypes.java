package dev.cloister.attestation.snp.measure;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * vCPU signatures (CPUID Fn0000_0001_EAX, AMD publication 25481) of QEMU's built-in EPYC models,
 * which QEMU passes in RDX of the initial VMSA.
 */
public final class VcpuTypes {
  private static final Map<String, Integer> SIGS = new LinkedHashMap<>();

  static {
    for (String n : new String[] {"EPYC", "EPYC-v1", "EPYC-v2", "EPYC-IBPB", "EPYC-v3", "EPYC-v4"}) {
      SIGS.put(n, signature(23, 1, 2));
    }
    for (String n : new String[] {"EPYC-Rome", "EPYC-Rome-v1", "EPYC-Rome-v2", "EPYC-Rome-v3"}) {
      SIGS.put(n, signature(23, 49, 0));
    }
    for (String n : new String[] {"EPYC-Milan", "EPYC-Milan-v1", "EPYC-Milan-v2"}) {
      SIGS.put(n, signature(25, 1, 1));
    }
    for (String n : new String[] {"EPYC-Genoa", "EPYC-Genoa-v1"}) {
      SIGS.put(n, signature(25, 17, 0));
    }
    SIGS.put("EPYC-Turin", signature(26, 0, 0));
  }

  private VcpuTypes() {}

  /** The signature of a family, model and stepping (extended family above 0xF). */
  public static int signature(int family, int model, int stepping) {
    int familyLow = family > 0xF ? 0xF : family;
    int familyHigh = family > 0xF ? (family - 0xF) & 0xFF : 0;
    return familyHigh << 20 | ((model >> 4) & 0xF) << 16 | familyLow << 8 | (model & 0xF) << 4 | (stepping & 0xF);
  }

  /** A named QEMU CPU model's signature (case-insensitive). */
  public static int of(String name) {
    for (var e : SIGS.entrySet()) {
      if (e.getKey().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
        return e.getValue();
      }
    }
    throw new IllegalArgumentException("unknown vCPU type '" + name + "' (known: " + SIGS.keySet() + ")");
  }
}
