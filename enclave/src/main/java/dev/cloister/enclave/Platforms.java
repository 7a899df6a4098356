package dev.cloister.enclave;

import dev.cloister.enclave.tsm.ConfigfsTsm;
import dev.cloister.enclave.tsm.TsmException;
import dev.cloister.enclave.tsm.TsmPlatform;
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
   * The probes, in detection order. Slots for the device attesters, added as each lands: after
   * configfs-tsm, {@code /dev/sev-guest} (SEV-SNP without configfs-tsm), {@code /dev/tdx_guest} (the
   * TDREPORT; its quote still comes from configfs-tsm), {@code /dev/nsm} (AWS Nitro Enclaves), then
   * {@code /dev/tpmrm0} with Azure's HCL report NV index (Azure confidential VMs, whose SEV-SNP or TDX
   * device the paravisor hides from the guest).
   */
  public static List<Probe> probes(Path tsmRoot) {
    ConfigfsTsm tsm = new ConfigfsTsm(tsmRoot);
    return List.of(new Probe("configfs-tsm", tsmRoot.toString(), () -> hasProvider(tsm), () -> TsmPlatform.open(tsm)));
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
