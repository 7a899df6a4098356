package dev.cloister.cleanroom.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * What the parties agree to: who they are (name, Ed25519 signing key as a base64 SPKI, broker
 * URL), the datasets each contributes (name, ciphertext SHA-256, columns, the broker resource
 * holding its key), the workload (name, version, and its expected launch measurement or the name of
 * a signed reference value), who receives the
 * output (their HPKE public keysets) and what may leave. Its identity is the SHA-256 of its RFC
 * 8785 form: 32 bytes, the size of SEV-SNP HOST_DATA, so the confidential VM is launched bound to
 * exactly this contract.
 */
public record Contract(
    @JsonProperty("version") int version,
    @JsonProperty("name") String name,
    @JsonProperty("parties") List<Party> parties,
    @JsonProperty("datasets") List<Dataset> datasets,
    @JsonProperty("workload") Workload workload,
    @JsonProperty("recipients") List<Recipient> recipients,
    @JsonProperty("output_policy") OutputPolicy outputPolicy) {

  /** Writes contracts; they are read only through {@code StrictJson.bind} ({@link #parse}, {@link SignedContract#parse}). */
  static final ObjectMapper JSON = new ObjectMapper();

  public record Party(@JsonProperty("name") String name, @JsonProperty("signing_key") String signingKey, @JsonProperty("broker") String broker) {}

  public record Dataset(@JsonProperty("party") String party, @JsonProperty("name") String name,
      @JsonProperty("ciphertext_sha256") String ciphertextSha256, @JsonProperty("columns") List<String> columns,
      @JsonProperty("label") String label, @JsonProperty("key_resource") String keyResource) {}

  /**
   * The approved workload: its expected measurement, or instead the name of a signed reference
   * value that each broker verifies against the pipeline keys it trusts.
   */
  public record Workload(@JsonProperty("name") String name, @JsonProperty("version") String version,
      @JsonProperty("measurement") @JsonInclude(JsonInclude.Include.NON_NULL) String measurement,
      @JsonProperty("reference_value") @JsonInclude(JsonInclude.Include.NON_NULL) String referenceValue) {
    public Workload(String name, String version, String measurement) {
      this(name, version, measurement, null);
    }
  }

  public record Recipient(@JsonProperty("party") String party, @JsonProperty("hpke_public_keyset") String hpkePublicKeyset) {}

  /** What may leave the TEE: named outputs only; row-level data never. */
  public record OutputPolicy(@JsonProperty("outputs") List<String> outputs, @JsonProperty("row_level") boolean rowLevel) {}

  public Contract {
    parties = List.copyOf(parties);
    datasets = List.copyOf(datasets);
    recipients = List.copyOf(recipients);
  }

  /** Checks the document's own consistency; names what is wrong. */
  public void validate() throws ContractException {
    if (version != 1) {
      throw new ContractException("version", "unsupported contract version " + version);
    }
    require(name != null && !name.isBlank(), "name", "missing");
    require(!parties.isEmpty(), "parties", "a contract needs at least one party");
    Set<String> names = new HashSet<>();
    for (Party p : parties) {
      require(p.name() != null && p.name().matches("[A-Za-z0-9._-]{1,64}"), "parties", "party names are 1-64 of A-Z a-z 0-9 . _ -");
      require(names.add(p.name()), "parties." + p.name(), "listed twice");
      require(p.signingKey() != null && p.broker() != null, "parties." + p.name(), "needs signing_key and broker");
    }
    for (Dataset d : datasets) {
      require(names.contains(d.party()), "datasets." + d.name(), "party '" + d.party() + "' is not a party");
      require(d.ciphertextSha256() != null && d.ciphertextSha256().matches("[0-9a-f]{64}"), "datasets." + d.name() + ".ciphertext_sha256", "must be 64 hex digits");
      require(d.columns() != null && d.columns().contains(d.label()), "datasets." + d.name() + ".label", "must be one of the columns");
      require(d.keyResource() != null && d.keyResource().split("/").length == 3, "datasets." + d.name() + ".key_resource", "must be repository/type/tag");
    }
    require(workload != null, "workload", "missing");
    require((workload.measurement() == null) != (workload.referenceValue() == null), "workload",
        "name exactly one of measurement and reference_value");
    if (workload.measurement() != null) {
      require(workload.measurement().matches("[0-9a-f]{96}"), "workload.measurement", "must be 96 hex digits (48 bytes)");
    } else {
      require(workload.referenceValue().matches("[A-Za-z0-9._-]{1,128}"), "workload.reference_value", "must be a reference value name");
    }
    require(outputPolicy != null && outputPolicy.outputs() != null, "output_policy", "missing");
    require(!recipients.isEmpty(), "recipients", "somebody must receive the output");
    for (Recipient r : recipients) {
      require(names.contains(r.party()), "recipients." + r.party(), "is not a party");
    }
    require(outputPolicy != null && !outputPolicy.rowLevel(), "output_policy.row_level", "row-level output is never allowed");
  }

  private static void require(boolean ok, String field, String message) throws ContractException {
    if (!ok) {
      throw new ContractException(field, message);
    }
  }

  /** The RFC 8785 canonical bytes. */
  public byte[] canonical() {
    try {
      return new JsonCanonicalizer(JSON.writeValueAsString(this)).getEncodedUTF8();
    } catch (IOException e) {
      throw new IllegalStateException("cannot canonicalise a contract", e);
    }
  }

  /** SHA-256 of the canonical form: the contract's identity and the VM's HOST_DATA. */
  public byte[] digest() {
    try {
      return MessageDigest.getInstance("SHA-256").digest(canonical());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public String digestHex() {
    return HexFormat.of().formatHex(digest());
  }

  public Party party(String partyName) throws ContractException {
    return parties.stream().filter(p -> p.name().equals(partyName)).findFirst()
        .orElseThrow(() -> new ContractException("parties", "no party named '" + partyName + "'"));
  }

  static Contract parse(byte[] json) throws ContractException {
    try {
      return dev.cloister.attestation.json.StrictJson.bind(json, Contract.class, "contract", SignedContract.MAX_FILE);
    } catch (dev.cloister.attestation.MalformedEvidenceException e) {
      throw new ContractException("contract", "not a valid contract document: " + e.detail());
    }
  }
}
