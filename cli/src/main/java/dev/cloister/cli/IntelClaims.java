package dev.cloister.cli;

import dev.cloister.attestation.PlatformKind;
import dev.cloister.attestation.dcap.DcapQuote;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The claims {@code attest verify} shows for a verified TDX or SGX quote, read from the report body
 * at Intel's offsets (TD report 1.0/1.5; SGX enclave report). Display only: appraisal of these
 * values belongs to {@code dcap.appraise}, which should replace this once it exists.
 */
final class IntelClaims {
  private IntelClaims() {}

  static Map<String, Object> of(DcapQuote q) {
    byte[] b = q.reportBody().toByteArray();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("platform", PlatformKind.HARDWARE.label());
    c.put("tee", q.tdx() ? "tdx" : "sgx");
    c.put("quote_version", q.version());
    c.put("qe_svn", q.qeSvn());
    c.put("pce_svn", q.pceSvn());
    if (q.tdx()) {
      c.put("tee_tcb_svn", hex(b, 0, 16));
      c.put("mr_seam", hex(b, 16, 48));
      c.put("td_attributes", hex(b, 120, 8));
      c.put("debug", (b[120] & 1) != 0);
      c.put("xfam", hex(b, 128, 8));
      c.put("mr_td", hex(b, 136, 48));
      c.put("mr_config_id", hex(b, 184, 48));
      c.put("mr_owner", hex(b, 232, 48));
      c.put("mr_owner_config", hex(b, 280, 48));
      for (int i = 0; i < 4; i++) {
        c.put("rtmr" + i, hex(b, 328 + 48 * i, 48));
      }
      c.put("report_data", hex(b, 520, 64));
    } else {
      c.put("cpu_svn", hex(b, 0, 16));
      c.put("attributes", hex(b, 48, 16));
      c.put("debug", (b[48] & 2) != 0);
      c.put("mr_enclave", hex(b, 64, 32));
      c.put("mr_signer", hex(b, 128, 32));
      c.put("isv_prod_id", (b[256] & 0xFF) | (b[257] & 0xFF) << 8);
      c.put("isv_svn", (b[258] & 0xFF) | (b[259] & 0xFF) << 8);
      c.put("report_data", hex(b, 320, 64));
    }
    return c;
  }

  private static String hex(byte[] b, int from, int len) {
    return HexFormat.of().formatHex(Arrays.copyOfRange(b, from, from + len));
  }
}
