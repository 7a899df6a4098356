package dev.cloister.attestation.snp.evidence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.Octets;
import dev.cloister.attestation.json.StrictJson;
import dev.cloister.attestation.snp.abi.Cpuid;
import dev.cloister.attestation.snp.abi.FirmwareVersion;
import dev.cloister.attestation.snp.abi.GuestPolicy;
import dev.cloister.attestation.snp.abi.PlatformInfo;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.SigningKey;
import dev.cloister.attestation.snp.abi.SnpReport;
import dev.cloister.attestation.snp.abi.TcbVersion;
import dev.cloister.attestation.snp.verify.SnpEvidence;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads SEV-SNP evidence as a raw 1184-byte report or as Trustee's SNP evidence JSON
 * ({@code {"attestation_report": {...}, "cert_chain": [{"cert_type": "VCEK", "data": [...]}]}},
 * the serde form of virtee/sev's {@code AttestationReport}), and writes the JSON form.
 *
 * <p>The JSON form is decoded strictly: every report field must be present with the right type
 * and range, and an unknown field is an error, because a field silently ignored here would be a
 * field the signature check never saw. The rebuilt binary report is what gets verified.
 */
public final class SnpEvidenceCodec {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SnpEvidenceCodec() {}

  /** Decodes either form: JSON when the first non-blank byte is '{', otherwise a raw report. */
  public static SnpEvidence decode(byte[] bytes) throws MalformedEvidenceException {
    int i = 0;
    while (i < bytes.length && Character.isWhitespace(bytes[i])) {
      i++;
    }
    if (i < bytes.length && bytes[i] == '{') {
      return decodeTrusteeJson(bytes);
    }
    return new SnpEvidence(SnpReport.parse(bytes), Optional.empty(), List.of());
  }

  public static SnpEvidence decodeTrusteeJson(byte[] json) throws MalformedEvidenceException {
    return decodeTrusteeJson(StrictJson.object(json, "evidence"));
  }

  /**
   * Decodes Trustee's SNP evidence already parsed as JSON (a broker receives it inside the KBS
   * attestation body; writing it out and parsing it again cost more than its signature check).
   */
  public static SnpEvidence decodeTrusteeJson(JsonNode root) throws MalformedEvidenceException {
    Strict top = new Strict((ObjectNode) StrictJson.object(root, "evidence"), "evidence");
    SnpReport report = decodeReport(top.object("attestation_report"));
    X509Certificate vek = null;
    List<X509Certificate> chain = new ArrayList<>();
    JsonNode certs = root.get("cert_chain");
    top.used.add("cert_chain");
    if (certs != null && !certs.isNull()) {
      if (!certs.isArray()) {
        throw new MalformedEvidenceException("evidence.cert_chain", "must be an array");
      }
      for (int n = 0; n < certs.size(); n++) {
        String field = "evidence.cert_chain[" + n + "]";
        if (!certs.get(n).isObject()) {
          throw new MalformedEvidenceException(field, "must be an object");
        }
        Strict entry = new Strict((ObjectNode) certs.get(n), field);
        String type = entry.string("cert_type");
        X509Certificate cert = certificate(entry.bytes("data", -1), field + ".data");
        entry.done();
        switch (type) {
          case "VCEK", "VLEK" -> {
            if (vek != null) {
              throw new MalformedEvidenceException(field, "more than one VCEK/VLEK");
            }
            vek = cert;
          }
          case "ASK", "ASVK", "ARK" -> chain.add(cert);
          default -> throw new MalformedEvidenceException(field + ".cert_type", "unknown certificate type '" + type + "'");
        }
      }
    }
    top.done();
    return new SnpEvidence(report, Optional.ofNullable(vek), chain);
  }

  private static SnpReport decodeReport(Strict r) throws MalformedEvidenceException {
    SnpReport.Builder b = SnpReport.builder();
    int version = (int) r.unsigned("version", 0xFFFFFFFFL);
    b.version(version);
    b.guestSvn(r.unsigned("guest_svn", 0xFFFFFFFFL));
    b.policy(new GuestPolicy(r.signed64("policy")));
    b.familyId(Octets.copyOf(r.bytes("family_id", 16)));
    b.imageId(Octets.copyOf(r.bytes("image_id", 16)));
    b.vmpl((int) r.unsigned("vmpl", 0xFFFFFFFFL));
    long sigAlgo = r.unsigned("sig_algo", 0xFFFFFFFFL);
    b.currentTcb(tcb(r.object("current_tcb")));
    b.platformInfo(new PlatformInfo(r.signed64("plat_info")));
    long keyInfo = r.unsigned("key_info", 0xFFFFFFFFL);
    SigningKey key = switch ((int) (keyInfo >>> 2) & 7) {
      case 0 -> SigningKey.VCEK;
      case 1 -> SigningKey.VLEK;
      case 7 -> SigningKey.NONE;
      default -> throw new MalformedEvidenceException("attestation_report.key_info", "reserved signing key encoding");
    };
    if ((keyInfo >>> 5) != 0) {
      throw new MalformedEvidenceException("attestation_report.key_info", "reserved bits 5-31 must be zero");
    }
    b.keyInfo((keyInfo & 1) != 0, (keyInfo & 2) != 0, key);
    b.reportData(Octets.copyOf(r.bytes("report_data", 64)));
    b.measurement(Octets.copyOf(r.bytes("measurement", 48)));
    b.hostData(Octets.copyOf(r.bytes("host_data", 32)));
    b.idKeyDigest(Octets.copyOf(r.bytes("id_key_digest", 48)));
    b.authorKeyDigest(Octets.copyOf(r.bytes("author_key_digest", 48)));
    b.reportId(Octets.copyOf(r.bytes("report_id", 32)));
    b.reportIdMa(Octets.copyOf(r.bytes("report_id_ma", 32)));
    b.reportedTcb(tcb(r.object("reported_tcb")));
    Optional<Long> fam = r.optionalUnsigned("cpuid_fam_id", 0xFF);
    Optional<Long> mod = r.optionalUnsigned("cpuid_mod_id", 0xFF);
    Optional<Long> step = r.optionalUnsigned("cpuid_step", 0xFF);
    if (fam.isPresent() || mod.isPresent() || step.isPresent()) {
      b.cpuid(new Cpuid(fam.orElse(0L).intValue(), mod.orElse(0L).intValue(), step.orElse(0L).intValue()));
    }
    b.chipId(Octets.copyOf(r.bytes("chip_id", 64)));
    b.committedTcb(tcb(r.object("committed_tcb")));
    b.currentVersion(version(r.object("current")));
    b.committedVersion(version(r.object("committed")));
    b.launchTcb(tcb(r.object("launch_tcb")));
    r.optionalSigned64("launch_mit_vector").ifPresent(b::launchMitVector);
    r.optionalSigned64("current_mit_vector").ifPresent(b::currentMitVector);
    Strict sig = r.object("signature");
    byte[] rLe = sig.bytes("r", 72);
    byte[] sLe = sig.bytes("s", 72);
    sig.done();
    r.done();
    byte[] p1363 = new byte[96];
    for (int i = 0; i < 72; i++) {
      if (i >= 48 && (rLe[i] != 0 || sLe[i] != 0)) {
        throw new MalformedEvidenceException("attestation_report.signature", "r and s must fit in 48 bytes");
      }
      if (i < 48) {
        p1363[47 - i] = rLe[i];
        p1363[95 - i] = sLe[i];
      }
    }
    b.signature(p1363);
    // The binary layout has the signature algorithm as a plain field; the builder writes 1, so
    // refuse anything else here rather than rewrite it.
    if (sigAlgo != SnpReport.SIG_ALGO_ECDSA_P384_SHA384) {
      throw new MalformedEvidenceException("attestation_report.sig_algo", "unknown signature algorithm " + sigAlgo);
    }
    return b.build();
  }

  private static TcbVersion tcb(Strict t) throws MalformedEvidenceException {
    Optional<Long> fmc = t.optionalUnsigned("fmc", 0xFF);
    int bl = (int) t.unsigned("bootloader", 0xFF);
    int tee = (int) t.unsigned("tee", 0xFF);
    int snp = (int) t.unsigned("snp", 0xFF);
    int ucode = (int) t.unsigned("microcode", 0xFF);
    t.done();
    // virtee/sev serialises Turin TCBs with an fmc value and earlier products with null.
    return fmc.isPresent()
        ? TcbVersion.of(ProductLine.TURIN, fmc.get().intValue(), bl, tee, snp, ucode)
        : TcbVersion.of(ProductLine.MILAN, 0, bl, tee, snp, ucode);
  }

  private static FirmwareVersion version(Strict v) throws MalformedEvidenceException {
    FirmwareVersion f = new FirmwareVersion((int) v.unsigned("major", 0xFF), (int) v.unsigned("minor", 0xFF), (int) v.unsigned("build", 0xFF));
    v.done();
    return f;
  }

  private static X509Certificate certificate(byte[] der, String field) throws MalformedEvidenceException {
    try {
      // The JDK's X.509 factory keeps recently parsed certificates by encoding, so a chip's VCEK,
      // ASK and ARK arriving with every report are not parsed again.
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (GeneralSecurityException e) {
      throw new MalformedEvidenceException(field, "not an X.509 certificate");
    }
  }

  /** Writes Trustee's SNP evidence JSON for a report, its VEK and the chain (ASK/ASVK, ARK). */
  public static byte[] encodeTrusteeJson(SnpReport report, X509Certificate vek, List<X509Certificate> chain) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode r = root.putObject("attestation_report");
    ProductLine layout = report.productLineFromCpuid().orElse(ProductLine.MILAN);
    r.put("version", report.version());
    r.put("guest_svn", report.guestSvn());
    r.put("policy", report.policy().raw());
    bytes(r, "family_id", report.familyId());
    bytes(r, "image_id", report.imageId());
    r.put("vmpl", report.vmpl());
    r.put("sig_algo", report.signatureAlgo());
    tcb(r.putObject("current_tcb"), report.currentTcb(), layout);
    r.put("plat_info", report.platformInfo().raw());
    int keyInfo = (report.authorKeyEn() ? 1 : 0) | (report.maskChipKey() ? 2 : 0)
        | switch (report.signingKey()) { case VCEK -> 0; case VLEK -> 1 << 2; case NONE -> 7 << 2; };
    r.put("key_info", keyInfo);
    bytes(r, "report_data", report.reportData());
    bytes(r, "measurement", report.measurement());
    bytes(r, "host_data", report.hostData());
    bytes(r, "id_key_digest", report.idKeyDigest());
    bytes(r, "author_key_digest", report.authorKeyDigest());
    bytes(r, "report_id", report.reportId());
    bytes(r, "report_id_ma", report.reportIdMa());
    tcb(r.putObject("reported_tcb"), report.reportedTcb(), layout);
    if (report.cpuid().isPresent()) {
      r.put("cpuid_fam_id", report.cpuid().get().family());
      r.put("cpuid_mod_id", report.cpuid().get().model());
      r.put("cpuid_step", report.cpuid().get().stepping());
    } else {
      r.putNull("cpuid_fam_id");
      r.putNull("cpuid_mod_id");
      r.putNull("cpuid_step");
    }
    bytes(r, "chip_id", report.chipId());
    tcb(r.putObject("committed_tcb"), report.committedTcb(), layout);
    version(r.putObject("current"), report.currentVersion());
    version(r.putObject("committed"), report.committedVersion());
    tcb(r.putObject("launch_tcb"), report.launchTcb(), layout);
    if (report.version() >= 5) {
      r.put("launch_mit_vector", report.launchMitVector());
      r.put("current_mit_vector", report.currentMitVector());
    }
    ObjectNode sig = r.putObject("signature");
    bytes(sig, "r", report.signatureR());
    bytes(sig, "s", report.signatureS());
    ArrayNode certs = root.putArray("cert_chain");
    try {
      cert(certs, vek.getExtensionValue("1.3.6.1.4.1.3704.1.5") != null ? "VLEK" : "VCEK", vek);
      for (X509Certificate c : chain) {
        boolean root_ = c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
        cert(certs, root_ ? "ARK" : (report.signingKey() == SigningKey.VLEK ? "ASVK" : "ASK"), c);
      }
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    } catch (CertificateEncodingException | JsonProcessingException e) {
      throw new IllegalStateException("cannot encode evidence", e);
    }
  }

  private static void cert(ArrayNode certs, String type, X509Certificate c) throws CertificateEncodingException {
    ObjectNode n = certs.addObject();
    n.put("cert_type", type);
    ArrayNode data = n.putArray("data");
    for (byte b : c.getEncoded()) {
      data.add(b & 0xFF);
    }
  }

  private static void bytes(ObjectNode n, String name, Octets v) {
    ArrayNode a = n.putArray(name);
    for (byte b : v.toByteArray()) {
      a.add(b & 0xFF);
    }
  }

  private static void tcb(ObjectNode n, TcbVersion t, ProductLine layout) {
    TcbVersion.Parts p = t.parts(layout);
    if (p.fmc() >= 0) {
      n.put("fmc", p.fmc());
    } else {
      n.putNull("fmc");
    }
    n.put("bootloader", p.bootloader());
    n.put("tee", p.tee());
    n.put("snp", p.snp());
    n.put("microcode", p.microcode());
  }

  private static void version(ObjectNode n, FirmwareVersion v) {
    n.put("major", v.major());
    n.put("minor", v.minor());
    n.put("build", v.build());
  }

  /** A JSON object read field by field; {@link #done()} rejects any field not read. */
  private static final class Strict {
    private final ObjectNode node;
    private final String path;
    private final Set<String> used = new HashSet<>();

    Strict(ObjectNode node, String path) {
      this.node = node;
      this.path = path;
    }

    private JsonNode required(String name) throws MalformedEvidenceException {
      used.add(name);
      JsonNode v = node.get(name);
      if (v == null || v.isNull()) {
        throw new MalformedEvidenceException(path + "." + name, "missing");
      }
      return v;
    }

    Strict object(String name) throws MalformedEvidenceException {
      JsonNode v = required(name);
      if (!v.isObject()) {
        throw new MalformedEvidenceException(path + "." + name, "must be an object");
      }
      return new Strict((ObjectNode) v, path + "." + name);
    }

    String string(String name) throws MalformedEvidenceException {
      JsonNode v = required(name);
      if (!v.isTextual()) {
        throw new MalformedEvidenceException(path + "." + name, "must be a string");
      }
      return v.asText();
    }

    long unsigned(String name, long max) throws MalformedEvidenceException {
      return checkedUnsigned(required(name), name, max);
    }

    Optional<Long> optionalUnsigned(String name, long max) throws MalformedEvidenceException {
      used.add(name);
      JsonNode v = node.get(name);
      return v == null || v.isNull() ? Optional.empty() : Optional.of(checkedUnsigned(v, name, max));
    }

    private long checkedUnsigned(JsonNode v, String name, long max) throws MalformedEvidenceException {
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0 || v.asLong() > max) {
        throw new MalformedEvidenceException(path + "." + name, "must be an integer in 0.." + max);
      }
      return v.asLong();
    }

    /** An unsigned 64-bit value (JSON may exceed Long.MAX_VALUE). */
    long signed64(String name) throws MalformedEvidenceException {
      return checked64(required(name), name);
    }

    Optional<Long> optionalSigned64(String name) throws MalformedEvidenceException {
      used.add(name);
      JsonNode v = node.get(name);
      return v == null || v.isNull() ? Optional.empty() : Optional.of(checked64(v, name));
    }

    private long checked64(JsonNode v, String name) throws MalformedEvidenceException {
      if (!v.isIntegralNumber() || v.bigIntegerValue().signum() < 0 || v.bigIntegerValue().bitLength() > 64) {
        throw new MalformedEvidenceException(path + "." + name, "must be an unsigned 64-bit integer");
      }
      return v.bigIntegerValue().longValue();
    }

    /** A byte array as a JSON array of 0..255; {@code length} -1 means any non-empty length. */
    byte[] bytes(String name, int length) throws MalformedEvidenceException {
      JsonNode v = required(name);
      String f = path + "." + name;
      if (!v.isArray() || (length >= 0 && v.size() != length) || v.isEmpty()) {
        throw new MalformedEvidenceException(f, length >= 0 ? "must be an array of " + length + " bytes" : "must be a non-empty byte array");
      }
      byte[] out = new byte[v.size()];
      for (int i = 0; i < out.length; i++) {
        JsonNode e = v.get(i);
        if (!e.isIntegralNumber() || e.asInt() < 0 || e.asInt() > 255) {
          throw new MalformedEvidenceException(f + "[" + i + "]", "must be a byte (0..255)");
        }
        out[i] = (byte) e.asInt();
      }
      return out;
    }

    void done() throws MalformedEvidenceException {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (!used.contains(name)) {
          throw new MalformedEvidenceException(path + "." + name, "unknown field");
        }
      }
    }
  }
}
