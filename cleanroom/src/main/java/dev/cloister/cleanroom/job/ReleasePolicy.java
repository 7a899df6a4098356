package dev.cloister.cleanroom.job;

import dev.cloister.attestation.Octets;
import dev.cloister.cleanroom.contract.Contract;
import dev.cloister.enclave.ContractBinding;

/**
 * The release policy a data owner sets on its dataset key for a contract: the evidence must be
 * affirming, carry this contract's digest where its family binds it at launch, and show the
 * contract's workload measurement (or one the broker holds as a signed reference value of the name
 * the contract gives) where its family measures the workload. A workload that is not exactly the
 * approved one, or that runs for another contract, gets nothing. Per family (each pair is what
 * {@code broker.release.WorkloadPins} requires a policy to pin):
 * <ul>
 *   <li>{@code snp}: {@code claims.host_data} = the digest, {@code claims.measurement} = the measurement;
 *   <li>{@code tdx}: {@code claims.mr_config_id} = the digest zero-padded to 48 bytes, {@code claims.mr_td}
 *       = the measurement (the TD's build-time measurement, fixed at launch as SNP's; RTMRs are extended
 *       at run time and would need the event log to mean anything);
 *   <li>{@code nitro}: {@code claims.pcrs['16']} = the digest extended into PCR16, {@code claims.pcrs['0']}
 *       = the measurement (the enclave image).
 * </ul>
 * See {@link ContractBinding}.
 */
public final class ReleasePolicy {
  private ReleasePolicy() {}

  /** CEL for SEV-SNP evidence; {@code simulatedAllowed} false: hardware only. */
  public static String cel(Contract c, boolean simulatedAllowed) {
    return cel(c, "snp", simulatedAllowed);
  }

  /**
   * CEL for evidence of {@code tee} ({@code snp}, {@code tdx} or {@code nitro}).
   *
   * @throws IllegalArgumentException for another family
   */
  public static String cel(Contract c, String tee, boolean simulatedAllowed) {
    String platform = simulatedAllowed ? "claims.platform in ['hardware', 'simulated']" : "claims.platform == 'hardware'";
    Octets digest = Octets.copyOf(c.digest());
    String[] claims = switch (tee) {
      case "snp" -> new String[] {"claims.host_data", c.digestHex(), "claims.measurement"};
      case "tdx" -> new String[] {"claims.mr_config_id", ContractBinding.mrConfigId(digest).hex(), "claims.mr_td"};
      case "nitro" -> new String[] {"claims.pcrs['" + ContractBinding.NITRO_PCR + "']", ContractBinding.nitroPcr(digest).hex(), "claims.pcrs['0']"};
      default -> throw new IllegalArgumentException("a contract binds snp, tdx or nitro evidence, not '" + tee + "'");
    };
    String measurement = c.workload().measurement() != null
        ? claims[2] + " == '" + c.workload().measurement() + "'"
        : claims[2] + " in reference_values['" + c.workload().referenceValue() + "']";
    return "status == 'affirming' && " + platform + " && " + claims[0] + " == '" + claims[1] + "' && " + measurement;
  }
}
