package dev.cloister.cleanroom.contract;

/** A contract that is malformed, inconsistent or not signed by every party; names the field or party. */
public final class ContractException extends Exception {
  private final String field;

  public ContractException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
