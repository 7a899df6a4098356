package dev.cloister.attestation.dcap.tcb;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What verified Intel collateral says about one verified quote: facts, not a decision. Which
 * statuses are acceptable is the appraisal's business.
 *
 * @param status the merged status Intel's verification library would report
 * @param tcbDate the tcbDate of the matched platform TCB level
 * @param advisoryIds advisory IDs of the matched levels (platform, QE, TDX module), deduplicated, in order
 * @param platformStatus status of the matched platform (SGX/TDX) TCB level
 * @param qeStatus status of the matched QE identity level
 * @param moduleStatus status of the matched TDX module level, for TDX quotes with module identities
 * @param fmspc the platform's FMSPC, from the PCK certificate, in hex
 * @param collateralExpiry the earliest nextUpdate among the collateral used
 * @param revocationChecked whether Intel's CRLs were given and checked (false only when the caller allowed their absence)
 */
public record TcbVerdict(
    TcbStatus status,
    Instant tcbDate,
    List<String> advisoryIds,
    TcbStatus platformStatus,
    TcbStatus qeStatus,
    Optional<TcbStatus> moduleStatus,
    String fmspc,
    Instant collateralExpiry,
    boolean revocationChecked) {

  public TcbVerdict {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(tcbDate, "tcbDate");
    advisoryIds = List.copyOf(advisoryIds);
    Objects.requireNonNull(platformStatus, "platformStatus");
    Objects.requireNonNull(qeStatus, "qeStatus");
    Objects.requireNonNull(moduleStatus, "moduleStatus");
    Objects.requireNonNull(fmspc, "fmspc");
    Objects.requireNonNull(collateralExpiry, "collateralExpiry");
  }
}
