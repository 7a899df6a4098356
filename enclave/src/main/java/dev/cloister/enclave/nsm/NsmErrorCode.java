package dev.cloister.enclave.nsm;

import java.util.Optional;

/** The NSM API's {@code ErrorCode} (aws-nitro-enclaves-nsm-api, src/api), by the variant name serde writes into CBOR. */
public enum NsmErrorCode {
  SUCCESS("Success"),
  INVALID_ARGUMENT("InvalidArgument"),
  INVALID_INDEX("InvalidIndex"),
  INVALID_RESPONSE("InvalidResponse"),
  READ_ONLY_INDEX("ReadOnlyIndex"),
  INVALID_OPERATION("InvalidOperation"),
  BUFFER_TOO_SMALL("BufferTooSmall"),
  INPUT_TOO_LARGE("InputTooLarge"),
  INTERNAL_ERROR("InternalError");

  private final String wireName;

  NsmErrorCode(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<NsmErrorCode> of(String wireName) {
    for (NsmErrorCode c : values()) {
      if (c.wireName.equals(wireName)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
