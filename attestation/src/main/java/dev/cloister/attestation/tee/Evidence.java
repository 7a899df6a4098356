package dev.cloister.attestation.tee;

import com.fasterxml.jackson.databind.JsonNode;

/** Evidence as a caller holds it: the bytes of a file, or a JSON value (what a KBS client sent as {@code tee-evidence}). */
public sealed interface Evidence {
  /** The evidence's bytes, text forms (hex, base64) already decoded by {@link TeeFamilies#detect}. */
  record Bytes(byte[] bytes) implements Evidence {
    public Bytes {
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }
  }

  /** Evidence as a JSON value: a KBS attestation's primary evidence as the client sent it (an object or a string, by family), or a receipt's. */
  record Json(JsonNode value) implements Evidence {}
}
