package dev.cloister.enclave.sevguest;

import java.util.EnumSet;
import java.util.Set;

/**
 * MSG_KEY_REQ (SEV-SNP firmware ABI, "Key Derivation Request"): which root key, which launch
 * fields are mixed into the derivation, and the VMPL, guest SVN and TCB to derive for (the
 * firmware refuses values above the guest's own, so a key cannot be derived for a newer guest).
 *
 * @param rootKey VCEK (chip and TCB bound) or VMRK (the VM root key, migratable)
 * @param keySelect for a VCEK-rooted key, which endorsement key's secret (bits 2:1 of ROOT_KEY_SELECT)
 * @param fields GUEST_FIELD_SELECT
 * @param vmpl the VMPL to derive for, at least the caller's
 * @param guestSvn mixed in when {@link GuestField#GUEST_SVN} is selected
 * @param tcbVersion the raw TCB_VERSION, mixed in when {@link GuestField#TCB_VERSION} is selected
 */
public record DerivedKeyRequest(RootKey rootKey, KeySelect keySelect, Set<GuestField> fields, int vmpl, long guestSvn, long tcbVersion) {
  public enum RootKey { VCEK, VMRK }

  /** KEY_SEL: 0 the VLEK if one is installed, else the VCEK; 1 the VCEK; 2 the VLEK. */
  public enum KeySelect { DEFAULT, VCEK, VLEK }

  /** GUEST_FIELD_SELECT bits, in bit order. */
  public enum GuestField { GUEST_POLICY, IMAGE_ID, FAMILY_ID, MEASUREMENT, GUEST_SVN, TCB_VERSION, LAUNCH_MIT_VECTOR }

  public DerivedKeyRequest {
    fields = fields.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(fields));
    if (vmpl < 0 || vmpl > 3) {
      throw new IllegalArgumentException("vmpl must be 0..3, got " + vmpl);
    }
    if (guestSvn < 0 || guestSvn > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("guest_svn must fit 32 bits, got " + guestSvn);
    }
  }

  /** A sealing key for this guest as launched: VCEK-rooted, mixing in the measurement and policy. */
  public static DerivedKeyRequest measurementBound(int vmpl) {
    return new DerivedKeyRequest(RootKey.VCEK, KeySelect.DEFAULT, EnumSet.of(GuestField.MEASUREMENT, GuestField.GUEST_POLICY), vmpl, 0, 0);
  }

  /** ROOT_KEY_SELECT as the firmware reads it. */
  public int rootKeySelect() {
    return (rootKey == RootKey.VMRK ? 1 : 0) | (keySelect.ordinal() << 1);
  }

  /** GUEST_FIELD_SELECT as the firmware reads it. */
  public long guestFieldSelect() {
    long bits = 0;
    for (GuestField f : fields) {
      bits |= 1L << f.ordinal();
    }
    return bits;
  }
}
