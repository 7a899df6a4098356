package dev.cloister.attestation;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

/** Shared by the parser fuzz targets: arbitrary bytes, or a real sample with fuzzer-chosen bytes overwritten. */
public final class FuzzInputs {
  private FuzzInputs() {}

  public static byte[] arbitraryOrMutated(FuzzedDataProvider data, byte[] seed) {
    if (data.consumeBoolean()) {
      return data.consumeRemainingAsBytes();
    }
    byte[] input = seed.clone();
    int edits = data.consumeInt(1, 16);
    for (int i = 0; i < edits && data.remainingBytes() > 4; i++) {
      input[data.consumeInt(0, input.length - 1)] = data.consumeByte();
    }
    return input;
  }
}
