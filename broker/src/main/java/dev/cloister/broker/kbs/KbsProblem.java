package dev.cloister.broker.kbs;

/**
 * A refusal with its HTTP status and an RFC 9457 problem type: 400 malformed request, 401 failed
 * attestation or missing/expired session or bad token, 403 policy denial, 404 unknown resource.
 * The detail names what failed and never contains secret material.
 */
public final class KbsProblem extends Exception {
  private final int status;
  private final String type;
  private boolean audited;

  public KbsProblem(int status, String type, String detail) {
    super(detail);
    this.status = status;
    this.type = type;
  }

  public int status() {
    return status;
  }

  /** A short stable name, e.g. {@code "attestation-failed"}; the problem type URI ends with it. */
  public String type() {
    return type;
  }

  /** Marks this refusal as recorded in the audit log on its own (a decision); others are counted per source. */
  public KbsProblem audited() {
    this.audited = true;
    return this;
  }

  /** True when the refusal has its own audit entry. */
  public boolean isAudited() {
    return audited;
  }

  public static KbsProblem badRequest(String detail) {
    return new KbsProblem(400, "bad-request", detail);
  }

  public static KbsProblem unauthenticated(String type, String detail) {
    return new KbsProblem(401, type, detail);
  }

  public static KbsProblem denied(String detail) {
    return new KbsProblem(403, "policy-denied", detail);
  }

  public static KbsProblem notFound(String detail) {
    return new KbsProblem(404, "not-found", detail);
  }
}
