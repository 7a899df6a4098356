package dev.cloister.attestation.dcap.appraise;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.cel.CelExpression;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What a verified SGX quote must satisfy: the enclave identity (MRENCLAVE allow-list, or MRSIGNER
 * with ISV product ID and minimum ISV SVN, as Intel and EGo recommend), debug and 64-bit mode,
 * report data, the KSS identities (CONFIGID, ISVEXTPRODID, ISVFAMILYID), the quote header's QE
 * vendor ID and minimum QE/PCE SVN, the TCB policy, the platform kind and an optional CEL rule over
 * the claims. Immutable; build with
 * {@link #builder()} or start from {@link #defaults()}.
 *
 * <p>Defaults (fail closed): debug enclaves refused, the simulated platform refused, {@link
 * TcbPolicy#defaults()}. Every other option is checked only when set. {@code minimumQeSvn} is
 * compared with the QE report's ISVSVN and {@code minimumPceSvn} with the PCK certificate's
 * PCESVN, as for TDX.
 */
public final class SgxAppraisalOptions {
  final boolean allowDebug;
  final boolean allowSimulated;
  final boolean requireMode64Bit;
  final TcbPolicy tcb;
  final Optional<Integer> minimumQeSvn;
  final Optional<Integer> minimumPceSvn;
  final Optional<Octets> qeVendorId;
  final Set<Octets> mrEnclaves;
  final Set<Octets> mrSigners;
  final Optional<Integer> isvProdId;
  final Optional<Integer> minimumIsvSvn;
  final Optional<Octets> reportData;
  final Optional<Octets> configId;
  final Optional<Octets> isvExtProdId;
  final Optional<Octets> isvFamilyId;
  final Optional<CelExpression> cel;

  private SgxAppraisalOptions(Builder b) {
    allowDebug = b.allowDebug;
    allowSimulated = b.allowSimulated;
    requireMode64Bit = b.requireMode64Bit;
    tcb = b.tcb;
    minimumQeSvn = b.minimumQeSvn;
    minimumPceSvn = b.minimumPceSvn;
    qeVendorId = b.qeVendorId;
    mrEnclaves = Collections.unmodifiableSet(new LinkedHashSet<>(b.mrEnclaves));
    mrSigners = Collections.unmodifiableSet(new LinkedHashSet<>(b.mrSigners));
    isvProdId = b.isvProdId;
    minimumIsvSvn = b.minimumIsvSvn;
    reportData = b.reportData;
    configId = b.configId;
    isvExtProdId = b.isvExtProdId;
    isvFamilyId = b.isvFamilyId;
    cel = b.cel;
  }

  public static SgxAppraisalOptions defaults() {
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

  public Builder toBuilder() {
    Builder b = new Builder();
    b.allowDebug = allowDebug;
    b.allowSimulated = allowSimulated;
    b.requireMode64Bit = requireMode64Bit;
    b.tcb = tcb;
    b.minimumQeSvn = minimumQeSvn;
    b.minimumPceSvn = minimumPceSvn;
    b.qeVendorId = qeVendorId;
    b.mrEnclaves.addAll(mrEnclaves);
    b.mrSigners.addAll(mrSigners);
    b.isvProdId = isvProdId;
    b.minimumIsvSvn = minimumIsvSvn;
    b.reportData = reportData;
    b.configId = configId;
    b.isvExtProdId = isvExtProdId;
    b.isvFamilyId = isvFamilyId;
    b.cel = cel;
    return b;
  }

  /** Validating builder: {@link #build()} throws {@link IllegalArgumentException} naming the field. */
  public static final class Builder {
    private boolean allowDebug;
    private boolean allowSimulated;
    private boolean requireMode64Bit;
    private TcbPolicy tcb = TcbPolicy.defaults();
    private Optional<Integer> minimumQeSvn = Optional.empty();
    private Optional<Integer> minimumPceSvn = Optional.empty();
    private Optional<Octets> qeVendorId = Optional.empty();
    private final Set<Octets> mrEnclaves = new LinkedHashSet<>();
    private final Set<Octets> mrSigners = new LinkedHashSet<>();
    private Optional<Integer> isvProdId = Optional.empty();
    private Optional<Integer> minimumIsvSvn = Optional.empty();
    private Optional<Octets> reportData = Optional.empty();
    private Optional<Octets> configId = Optional.empty();
    private Optional<Octets> isvExtProdId = Optional.empty();
    private Optional<Octets> isvFamilyId = Optional.empty();
    private Optional<CelExpression> cel = Optional.empty();

    private Builder() {}

    /** Accept an enclave whose ATTRIBUTES.DEBUG flag is set (its memory is open to the host). */
    public Builder allowDebug(boolean v) {
      allowDebug = v;
      return this;
    }

    /** Accept evidence that chains to a simulated root (never for real data). */
    public Builder allowSimulated(boolean v) {
      allowSimulated = v;
      return this;
    }

    /** Require ATTRIBUTES.MODE64BIT (a 64-bit enclave). */
    public Builder requireMode64Bit(boolean v) {
      requireMode64Bit = v;
      return this;
    }

    public Builder tcb(TcbPolicy v) {
      tcb = java.util.Objects.requireNonNull(v, "tcb");
      return this;
    }

    public Builder minimumQeSvn(int v) {
      minimumQeSvn = Optional.of(v);
      return this;
    }

    public Builder minimumPceSvn(int v) {
      minimumPceSvn = Optional.of(v);
      return this;
    }

    public Builder qeVendorId(Octets v) {
      qeVendorId = Optional.of(v);
      return this;
    }

    /** Adds an accepted MRENCLAVE (32 bytes); with none added, MRENCLAVE is not checked. */
    public Builder addMrEnclave(Octets v) {
      mrEnclaves.add(v);
      return this;
    }

    /** Adds an accepted MRSIGNER (32 bytes); with none added, MRSIGNER is not checked. */
    public Builder addMrSigner(Octets v) {
      mrSigners.add(v);
      return this;
    }

    public Builder isvProdId(int v) {
      isvProdId = Optional.of(v);
      return this;
    }

    public Builder minimumIsvSvn(int v) {
      minimumIsvSvn = Optional.of(v);
      return this;
    }

    public Builder reportData(Octets v) {
      reportData = Optional.of(v);
      return this;
    }

    public Builder configId(Octets v) {
      configId = Optional.of(v);
      return this;
    }

    public Builder isvExtProdId(Octets v) {
      isvExtProdId = Optional.of(v);
      return this;
    }

    public Builder isvFamilyId(Octets v) {
      isvFamilyId = Optional.of(v);
      return this;
    }

    /** A CEL rule over the claims (see {@link dev.cloister.attestation.cel.CelRule}), the last check. */
    public Builder cel(CelExpression v) {
      cel = Optional.of(v);
      return this;
    }

    public SgxAppraisalOptions build() {
      Lengths.svn(minimumQeSvn, "minimum_qe_svn");
      Lengths.svn(minimumPceSvn, "minimum_pce_svn");
      Lengths.exact(qeVendorId, 16, "qe_vendor_id");
      mrEnclaves.forEach(v -> Lengths.exact(Optional.of(v), 32, "mr_enclave"));
      mrSigners.forEach(v -> Lengths.exact(Optional.of(v), 32, "mr_signer"));
      Lengths.svn(isvProdId, "isv_prod_id");
      Lengths.svn(minimumIsvSvn, "minimum_isv_svn");
      Lengths.exact(reportData, 64, "report_data");
      Lengths.exact(configId, 64, "config_id");
      Lengths.exact(isvExtProdId, 16, "isv_ext_prod_id");
      Lengths.exact(isvFamilyId, 16, "isv_family_id");
      return new SgxAppraisalOptions(this);
    }
  }
}
