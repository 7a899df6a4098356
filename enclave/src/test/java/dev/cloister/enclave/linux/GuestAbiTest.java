package dev.cloister.enclave.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.cloister.enclave.nsm.NsmAbi;
import dev.cloister.enclave.sevguest.FirmwareStatus;
import dev.cloister.enclave.sevguest.SevGuestAbi;
import dev.cloister.enclave.tdxguest.TdxGuestAbi;
import java.io.IOException;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ABI proof: gcc compiles src/test/c/ioctl_abi_probe.c against the kernel's UAPI headers
 * (linux-libc-dev 6.12, unpacked by scripts/test-deps.sh) and prints every struct size, field
 * offset and request number the attesters use; each must equal what the Java layouts say, and
 * every line the probe prints must be checked here.
 */
class GuestAbiTest {
  private static Map<String, Long> probe;

  @BeforeAll
  static void runProbe() throws IOException, InterruptedException {
    Path headers = Path.of(System.getenv().getOrDefault("CLOISTER_KERNEL_HEADERS", System.getProperty("user.home") + "/.cache/cloister/kernel-headers"), "usr/include");
    for (String h : List.of("linux/sev-guest.h", "linux/tdx-guest.h", "linux/nsm.h", "linux/psp-sev.h")) {
      if (!Files.isRegularFile(headers.resolve(h))) {
        fail("the kernel UAPI header " + headers.resolve(h) + " is missing: run scripts/test-deps.sh (as root) to unpack linux-libc-dev 6.12");
      }
    }
    String multiarch = run(List.of("gcc", "-print-multiarch")).strip();
    Path source = Path.of("src/test/c/ioctl_abi_probe.c").toAbsolutePath();
    Path exe = Path.of("target/ioctl-abi-probe").toAbsolutePath();
    Files.createDirectories(exe.getParent());
    run(List.of("gcc", "-std=gnu11", "-Wall", "-Werror", "-I" + headers, "-I" + headers.resolve(multiarch), "-o", exe.toString(), source.toString()));
    probe = new TreeMap<>();
    for (String line : run(List.of(exe.toString())).split("\n")) {
      String[] kv = line.split(" ");
      probe.put(kv[0], Long.parseUnsignedLong(kv[1]));
    }
    assertThat(probe).as("probe output").hasSizeGreaterThan(40);
  }

  private static String run(List<String> cmd) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(cmd.getFirst() + " is not installed: run scripts/test-deps.sh (as root) to install gcc", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", cmd) + " failed:\n" + out);
    }
    return out;
  }

  private static long off(StructLayout s, String... path) {
    PathElement[] p = new PathElement[path.length];
    for (int i = 0; i < path.length; i++) {
      p[i] = PathElement.groupElement(path[i]);
    }
    return s.byteOffset(p);
  }

  private static void struct(Map<String, Long> java, StructLayout s, String... fields) {
    String name = s.name().orElseThrow();
    java.put("sizeof." + name, s.byteSize());
    for (String f : fields) {
      java.put("offsetof." + name + "." + f, off(s, f));
    }
  }

  @Test
  void everyLayoutAndRequestNumberEqualsTheKernelHeaders() {
    Map<String, Long> java = new LinkedHashMap<>();
    struct(java, SevGuestAbi.SNP_REPORT_REQ, "user_data", "vmpl", "rsvd");
    struct(java, SevGuestAbi.SNP_REPORT_RESP, "data");
    struct(java, SevGuestAbi.SNP_DERIVED_KEY_REQ, "root_key_select", "rsvd", "guest_field_select", "vmpl", "guest_svn", "tcb_version");
    struct(java, SevGuestAbi.SNP_DERIVED_KEY_RESP, "data");
    struct(java, SevGuestAbi.SNP_GUEST_REQUEST_IOCTL, "msg_version", "req_data", "resp_data", "exitinfo2");
    // fw_error and vmm_error share exitinfo2 (a union); SevGuest reads exitinfo2 as one little-endian
    // u64 and takes its low and high halves, which is where the union puts them on this CPU.
    assertThat(ByteOrder.nativeOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
    java.put("offsetof.snp_guest_request_ioctl.fw_error", off(SevGuestAbi.SNP_GUEST_REQUEST_IOCTL, "exitinfo2"));
    java.put("offsetof.snp_guest_request_ioctl.vmm_error", off(SevGuestAbi.SNP_GUEST_REQUEST_IOCTL, "exitinfo2") + SevGuestAbi.SNP_GUEST_VMM_ERR_SHIFT / 8);
    struct(java, SevGuestAbi.SNP_EXT_REPORT_REQ, "data", "certs_address", "certs_len");
    java.put("const.SNP_REPORT_USER_DATA_SIZE", (long) SevGuestAbi.USER_DATA_SIZE);
    java.put("const.SNP_GUEST_REQ_IOC_TYPE", (long) SevGuestAbi.SNP_GUEST_REQ_IOC_TYPE);
    java.put("const.SNP_GET_REPORT", SevGuestAbi.SNP_GET_REPORT);
    java.put("const.SNP_GET_DERIVED_KEY", SevGuestAbi.SNP_GET_DERIVED_KEY);
    java.put("const.SNP_GET_EXT_REPORT", SevGuestAbi.SNP_GET_EXT_REPORT);
    java.put("const.SNP_GUEST_VMM_ERR_SHIFT", (long) SevGuestAbi.SNP_GUEST_VMM_ERR_SHIFT);
    java.put("const.SNP_GUEST_VMM_ERR_INVALID_LEN", (long) SevGuestAbi.SNP_GUEST_VMM_ERR_INVALID_LEN);
    java.put("const.SNP_GUEST_VMM_ERR_BUSY", (long) SevGuestAbi.SNP_GUEST_VMM_ERR_BUSY);
    for (FirmwareStatus s : FirmwareStatus.values()) {
      // psp-sev.h spells two codes its own way; the spec's names are kept here.
      String kernel = switch (s) {
        case HWERROR_PLATFORM -> "HWSEV_RET_PLATFORM";
        case HWERROR_UNSAFE -> "HWSEV_RET_UNSAFE";
        default -> s.name();
      };
      java.put("const.SEV_RET_" + kernel, (long) s.code());
    }

    struct(java, TdxGuestAbi.TDX_REPORT_REQ, "reportdata", "tdreport");
    java.put("const.TDX_REPORTDATA_LEN", (long) TdxGuestAbi.TDX_REPORTDATA_LEN);
    java.put("const.TDX_REPORT_LEN", (long) TdxGuestAbi.TDX_REPORT_LEN);
    java.put("const.TDX_CMD_GET_REPORT0", TdxGuestAbi.TDX_CMD_GET_REPORT0);

    struct(java, NsmAbi.NSM_IOVEC, "addr", "len");
    struct(java, NsmAbi.NSM_RAW, "request", "response");
    java.put("const.NSM_MAGIC", (long) NsmAbi.NSM_MAGIC);
    java.put("const.NSM_REQUEST_MAX_SIZE", (long) NsmAbi.NSM_REQUEST_MAX_SIZE);
    java.put("const.NSM_RESPONSE_MAX_SIZE", (long) NsmAbi.NSM_RESPONSE_MAX_SIZE);
    java.put("const.NSM_IOCTL_RAW", NsmAbi.NSM_IOCTL_RAW);

    java.put("const.FIONREAD", LinuxDeviceTest.FIONREAD);
    java.put("const.O_RDWR", (long) LinuxDevice.O_RDWR);
    java.put("const.O_CLOEXEC", (long) LinuxDevice.O_CLOEXEC);

    assertThat(new TreeMap<>(java)).isEqualTo(probe);
  }

  @Test
  void requestEncodingDecodesAsTheKernelsMacros() {
    // _IOC_SIZE of each request is the struct size the driver copies (nsm.c refuses any other).
    assertThat(IoctlRequest.size(probe.get("const.NSM_IOCTL_RAW"))).isEqualTo(probe.get("sizeof.nsm_raw"));
    assertThat(IoctlRequest.size(probe.get("const.SNP_GET_EXT_REPORT"))).isEqualTo(probe.get("sizeof.snp_guest_request_ioctl"));
    assertThat(IoctlRequest.size(probe.get("const.TDX_CMD_GET_REPORT0"))).isEqualTo(probe.get("sizeof.tdx_report_req"));
  }
}
