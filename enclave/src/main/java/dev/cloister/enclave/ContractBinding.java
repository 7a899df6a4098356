package dev.cloister.enclave;

import dev.cloister.attestation.Octets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Where each TEE family's evidence carries the contract a workload runs for: a field the workload
 * cannot choose after launch, so a broker can pin it as it pins the measurement.
 * <ul>
 *   <li>SEV-SNP: HOST_DATA, the contract's SHA-256 digest (32 bytes), set by the host at launch;
 *   <li>TDX: MRCONFIGID, the digest zero-padded to 48 bytes, set by the host at launch (where Trustee
 *       compares a TD's init data digest);
 *   <li>Nitro: PCR16, the digest extended once into the PCR's reset value (48 zero bytes) by the
 *       enclave's own measured code before it attests; Nitro has no host-set launch field, and the
 *       KBS session already uses {@code user_data}.
 * </ul>
 */
public final class ContractBinding {
  /** The Nitro PCR the contract is extended into: the first a running enclave may extend. */
  public static final int NITRO_PCR = 16;

  private ContractBinding() {}

  /** TDX MRCONFIGID for a contract digest: zero-padded to 48 bytes. */
  public static Octets mrConfigId(Octets contractDigest) {
    if (contractDigest.length() > 48) {
      throw new IllegalArgumentException("mr_config_id: a digest of at most 48 bytes, got " + contractDigest.length());
    }
    return Octets.copyOf(Arrays.copyOf(contractDigest.toByteArray(), 48));
  }

  /** Nitro PCR16 for a contract digest: SHA-384(48 zero bytes || digest), the NSM's ExtendPCR from reset. */
  public static Octets nitroPcr(Octets contractDigest) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-384");
      d.update(new byte[48]);
      return Octets.copyOf(d.digest(contractDigest.toByteArray()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
