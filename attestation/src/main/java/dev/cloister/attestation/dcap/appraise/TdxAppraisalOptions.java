package dev.cloister.attestation.dcap.appraise;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.cel.CelExpression;
import dev.cloister.attestation.dcap.ccel.CcelEventLog;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a verified TDX quote must satisfy: the options of go-tdx-guest's {@code validate.Options}
 * (header: minimum QE and PCE SVN, QE vendor ID; TD quote body: minimum TEE TCB SVN, MRSEAM,
 * TD_ATTRIBUTES, XFAM, MRTD (go-tdx-guest's MrTd and AnyMrTd as one allow-list), MRCONFIGID,
 * MROWNER, MROWNERCONFIG, RTMRs, REPORT_DATA, debug), plus MRSIGNERSEAM, MRSERVICETD, the TCB
 * policy, the platform kind, an optional CCEL event log to replay against the RTMRs and an optional
 * CEL rule over the claims. Immutable;
 * build with {@link #builder()} or start from {@link #defaults()}.
 *
 * <p>Defaults (fail closed): debug TDs refused, the simulated platform refused, {@link
 * TcbPolicy#defaults()}. Every other option is checked only when set.
 *
 * <p>Deviation from go-tdx-guest: TDX quote headers leave the QE and PCE SVN fields reserved (zero in
 * every real quote), so go-tdx-guest's header comparison fails any non-zero minimum. Here {@code
 * minimumQeSvn} is compared with the ISVSVN of the QE report (signed by the PCK key) and {@code
 * minimumPceSvn} with the PCESVN in the PCK certificate.
 */
public final class TdxAppraisalOptions {
  final boolean allowDebug;
  final boolean allowSimulated;
  final TcbPolicy tcb;
  final Optional<Integer> minimumQeSvn;
  final Optional<Integer> minimumPceSvn;
  final Optional<Octets> qeVendorId;
  final Optional<Octets> minimumTeeTcbSvn;
  final Set<Octets> mrSeams;
  final Optional<Octets> mrSignerSeam;
  final Optional<Octets> tdAttributes;
  final Optional<Octets> xfam;
  final Set<Octets> mrTds;
  final Optional<Octets> mrConfigId;
  final Optional<Octets> mrOwner;
  final Optional<Octets> mrOwnerConfig;
  final Map<Integer, Octets> rtmrs;
  final Optional<Octets> reportData;
  final Optional<Octets> mrServiceTd;
  final Optional<CcelEventLog> eventLog;
  final Optional<CelExpression> cel;

  private TdxAppraisalOptions(Builder b) {
    allowDebug = b.allowDebug;
    allowSimulated = b.allowSimulated;
    tcb = b.tcb;
    minimumQeSvn = b.minimumQeSvn;
    minimumPceSvn = b.minimumPceSvn;
    qeVendorId = b.qeVendorId;
    minimumTeeTcbSvn = b.minimumTeeTcbSvn;
    mrSeams = Collections.unmodifiableSet(new LinkedHashSet<>(b.mrSeams));
    mrSignerSeam = b.mrSignerSeam;
    tdAttributes = b.tdAttributes;
    xfam = b.xfam;
    mrTds = Collections.unmodifiableSet(new LinkedHashSet<>(b.mrTds));
    mrConfigId = b.mrConfigId;
    mrOwner = b.mrOwner;
    mrOwnerConfig = b.mrOwnerConfig;
    rtmrs = Collections.unmodifiableMap(new TreeMap<>(b.rtmrs));
    reportData = b.reportData;
    mrServiceTd = b.mrServiceTd;
    eventLog = b.eventLog;
    cel = b.cel;
  }

  public static TdxAppraisalOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public boolean allowDebug() {
    return allowDebug;
  }

  public boolean allowSimulated() {
    return allowSimulated;
  }

  public TcbPolicy tcb() {
    return tcb;
  }

  public Optional<CcelEventLog> eventLog() {
    return eventLog;
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.allowDebug = allowDebug;
    b.allowSimulated = allowSimulated;
    b.tcb = tcb;
    b.minimumQeSvn = minimumQeSvn;
    b.minimumPceSvn = minimumPceSvn;
    b.qeVendorId = qeVendorId;
    b.minimumTeeTcbSvn = minimumTeeTcbSvn;
    b.mrSeams.addAll(mrSeams);
    b.mrSignerSeam = mrSignerSeam;
    b.tdAttributes = tdAttributes;
    b.xfam = xfam;
    b.mrTds.addAll(mrTds);
    b.mrConfigId = mrConfigId;
    b.mrOwner = mrOwner;
    b.mrOwnerConfig = mrOwnerConfig;
    b.rtmrs.putAll(rtmrs);
    b.reportData = reportData;
    b.mrServiceTd = mrServiceTd;
    b.eventLog = eventLog;
    b.cel = cel;
    return b;
  }

  /** Validating builder: {@link #build()} throws {@link IllegalArgumentException} naming the field. */
  public static final class Builder {
    private boolean allowDebug;
    private boolean allowSimulated;
    private TcbPolicy tcb = TcbPolicy.defaults();
    private Optional<Integer> minimumQeSvn = Optional.empty();
    private Optional<Integer> minimumPceSvn = Optional.empty();
    private Optional<Octets> qeVendorId = Optional.empty();
    private Optional<Octets> minimumTeeTcbSvn = Optional.empty();
    private final Set<Octets> mrSeams = new LinkedHashSet<>();
    private Optional<Octets> mrSignerSeam = Optional.empty();
    private Optional<Octets> tdAttributes = Optional.empty();
    private Optional<Octets> xfam = Optional.empty();
    private final Set<Octets> mrTds = new LinkedHashSet<>();
    private Optional<Octets> mrConfigId = Optional.empty();
    private Optional<Octets> mrOwner = Optional.empty();
    private Optional<Octets> mrOwnerConfig = Optional.empty();
    private final Map<Integer, Octets> rtmrs = new TreeMap<>();
    private Optional<Octets> reportData = Optional.empty();
    private Optional<Octets> mrServiceTd = Optional.empty();
    private Optional<CcelEventLog> eventLog = Optional.empty();
    private Optional<CelExpression> cel = Optional.empty();

    private Builder() {}

    /** Accept a TD whose TD_ATTRIBUTES.DEBUG bit is set (its memory is open to the host). */
    public Builder allowDebug(boolean v) {
      allowDebug = v;
      return this;
    }

    /** Accept evidence that chains to a simulated root (never for real data). */
    public Builder allowSimulated(boolean v) {
      allowSimulated = v;
      return this;
    }

    public Builder tcb(TcbPolicy v) {
      tcb = java.util.Objects.requireNonNull(v, "tcb");
      return this;
    }

    /** Minimum ISVSVN of the Quoting Enclave's report. */
    public Builder minimumQeSvn(int v) {
      minimumQeSvn = Optional.of(v);
      return this;
    }

    /** Minimum PCESVN of the TCB the PCK certificate was issued for. */
    public Builder minimumPceSvn(int v) {
      minimumPceSvn = Optional.of(v);
      return this;
    }

    /** Expected QE_VENDOR_ID, 16 bytes (Intel: 939a7233f79c4ca9940a0db3957f0607). */
    public Builder qeVendorId(Octets v) {
      qeVendorId = Optional.of(v);
      return this;
    }

    /** Component-wise minimum of the 16-byte TEE_TCB_SVN: every byte must be at least this one. */
    public Builder minimumTeeTcbSvn(Octets v) {
      minimumTeeTcbSvn = Optional.of(v);
      return this;
    }

    /** Adds an accepted TDX module measurement (48 bytes); with none added, MRSEAM is not checked. */
    public Builder addMrSeam(Octets v) {
      mrSeams.add(v);
      return this;
    }

    /** Expected MRSIGNERSEAM, 48 bytes (zero for Intel-signed TDX modules). */
    public Builder mrSignerSeam(Octets v) {
      mrSignerSeam = Optional.of(v);
      return this;
    }

    /** Expected TD_ATTRIBUTES, 8 bytes as in the quote. */
    public Builder tdAttributes(Octets v) {
      tdAttributes = Optional.of(v);
      return this;
    }

    /** Expected XFAM, 8 bytes as in the quote. */
    public Builder xfam(Octets v) {
      xfam = Optional.of(v);
      return this;
    }

    /** Adds an accepted MRTD (48 bytes); with none added, MRTD is not checked. */
    public Builder addMrTd(Octets v) {
      mrTds.add(v);
      return this;
    }

    public Builder mrConfigId(Octets v) {
      mrConfigId = Optional.of(v);
      return this;
    }

    public Builder mrOwner(Octets v) {
      mrOwner = Optional.of(v);
      return this;
    }

    public Builder mrOwnerConfig(Octets v) {
      mrOwnerConfig = Optional.of(v);
      return this;
    }

    /** Expected RTMR{@code index} (0..3), 48 bytes; RTMRs not set are not checked. */
    public Builder rtmr(int index, Octets v) {
      rtmrs.put(index, v);
      return this;
    }

    public Builder reportData(Octets v) {
      reportData = Optional.of(v);
      return this;
    }

    /** Expected MRSERVICETD (48 bytes); requires a TD report body 1.5. */
    public Builder mrServiceTd(Octets v) {
      mrServiceTd = Optional.of(v);
      return this;
    }

    /** A parsed CCEL to replay against the quote's RTMRs (adds the {@code rtmr_replay} check). */
    public Builder eventLog(CcelEventLog v) {
      eventLog = Optional.of(v);
      return this;
    }

    /** A CEL rule over the claims (see {@link dev.cloister.attestation.cel.CelRule}), the last check. */
    public Builder cel(CelExpression v) {
      cel = Optional.of(v);
      return this;
    }

    public TdxAppraisalOptions build() {
      Lengths.svn(minimumQeSvn, "minimum_qe_svn");
      Lengths.svn(minimumPceSvn, "minimum_pce_svn");
      Lengths.exact(qeVendorId, 16, "qe_vendor_id");
      Lengths.exact(minimumTeeTcbSvn, 16, "minimum_tee_tcb_svn");
      mrSeams.forEach(v -> Lengths.exact(Optional.of(v), 48, "mr_seam"));
      Lengths.exact(mrSignerSeam, 48, "mr_signer_seam");
      Lengths.exact(tdAttributes, 8, "td_attributes");
      Lengths.exact(xfam, 8, "xfam");
      mrTds.forEach(v -> Lengths.exact(Optional.of(v), 48, "mr_td"));
      Lengths.exact(mrConfigId, 48, "mr_config_id");
      Lengths.exact(mrOwner, 48, "mr_owner");
      Lengths.exact(mrOwnerConfig, 48, "mr_owner_config");
      for (Map.Entry<Integer, Octets> e : rtmrs.entrySet()) {
        if (e.getKey() < 0 || e.getKey() > 3) {
          throw new IllegalArgumentException("rtmr index must be 0..3, got " + e.getKey());
        }
        Lengths.exact(Optional.of(e.getValue()), 48, "rtmr" + e.getKey());
      }
      Lengths.exact(reportData, 64, "report_data");
      Lengths.exact(mrServiceTd, 48, "mr_service_td");
      return new TdxAppraisalOptions(this);
    }
  }
}
