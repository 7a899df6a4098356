package dev.cloister.enclave;

import dev.cloister.enclave.nsm.Nsm;
import dev.cloister.enclave.nsm.NsmPlatform;
import dev.cloister.enclave.sevguest.SevGuest;
import dev.cloister.enclave.sevguest.SevGuestPlatform;
import dev.cloister.enclave.tsm.ConfigfsTsm;
import dev.cloister.enclave.tsm.TsmException;
import dev.cloister.enclave.tsm.TsmPlatform;
import dev.cloister.enclave.vtpm.AzureVtpmPlatform;
import dev.cloister.enclave.vtpm.TpmTransport;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Which TEE this machine is, for {@code job run --platform auto}: the probes below, tried in order,
 * the first present one wins. configfs-tsm with a registered provider comes first, because it is
 * the kernel's one interface for both SEV-SNP and TDX guests and hands out the host's certificates
 * too. A machine with none of them is not a TEE; the caller says so and names
 * {@code --platform simulated}.
 */
public final class Platforms {
  private Platforms() {}

  /** Opens a platform once its probe found it. */
  @FunctionalInterface
  public interface Opener {
    Platform open() throws Exception;
  }

  /**
   * One way a machine can be a TEE.
   *
   * @param name as {@code --platform} spells it
   * @param where the device or directory looked at, for the "none found" line
   * @param present a cheap check that opens nothing it would have to close
   */
  public record Probe(String name, String where, java.util.function.BooleanSupplier present, Opener opener) {}

  /**
   * The probes, in detection order: configfs-tsm (SEV-SNP or TDX, Linux 6.7+); {@code /dev/sev-guest}
   * (SEV-SNP on older kernels, VMPL 0); {@code /dev/nsm} (AWS Nitro Enclaves); {@code /dev/tpmrm0}
   * holding Azure's HCL report NV index (Azure confidential VMs, whose SEV-SNP or TDX device the
   * paravisor hides from the guest). {@code /dev/tdx_guest} alone is no platform: it gives the
   * TDREPORT, and a TDX guest's quote comes from configfs-tsm.
   */
  public static List<Probe> probes(Path tsmRoot) {
    ConfigfsTsm tsm = new ConfigfsTsm(tsmRoot);
    return List.of(
        new Probe("configfs-tsm", tsmRoot.toString(), () -> hasProvider(tsm), () -> TsmPlatform.open(tsm)),
        new Probe("sev-guest", SevGuest.DEFAULT_PATH.toString(), () -> SevGuestPlatform.present(SevGuest.DEFAULT_PATH),
            () -> SevGuestPlatform.open(SevGuest.DEFAULT_PATH, 0)),
        new Probe("nsm", Nsm.DEFAULT_PATH.toString(), () -> NsmPlatform.present(Nsm.DEFAULT_PATH), () -> NsmPlatform.open(Nsm.DEFAULT_PATH)),
        new Probe("azure-vtpm", TpmTransport.TPMRM0 + " (HCL report, NV index 0x01400001)", AzureVtpmPlatform::present, AzureVtpmPlatform::open));
  }

  /** The first probe that finds its TEE. */
  public static Optional<Probe> detect(List<Probe> probes) {
    return probes.stream().filter(p -> p.present().getAsBoolean()).findFirst();
  }

  /** The one line for a machine where no probe found anything. */
  public static String noneFound(List<Probe> probes) {
    return "no TEE found on this machine (looked for " + probes.stream().map(p -> p.name() + " at " + p.where()).collect(Collectors.joining(", "))
        + "); to run on the simulated platform, say --platform simulated";
  }

  /**
   * configfs-tsm counts only with a provider: the directory exists on any 6.7+ kernel, TEE or not.
   * Any other failure (an unknown provider, an I/O error) counts as present, so that opening it
   * names the problem instead of "no TEE".
   */
  private static boolean hasProvider(ConfigfsTsm tsm) {
    if (!tsm.present()) {
      return false;
    }
    try {
      tsm.provider();
      return true;
    } catch (TsmException.NoProvider | TsmException.Unavailable e) {
      return false;
    } catch (TsmException e) {
      return true;
    }
  }
}
