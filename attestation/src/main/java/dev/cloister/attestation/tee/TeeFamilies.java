package dev.cloister.attestation.tee;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.json.PolicyJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The registry of TEE families, as Trustee's {@code to_verifier(tee)}: one line per family, lookup
 * by name, detection from the bytes. Adding a family is one {@link TeeFamily} class and one line
 * of {@link #ALL}.
 */
public final class TeeFamilies {
  /** Every family, in detection order (families recognise disjoint inputs; the order only names who answers first). */
  private static final List<TeeFamily> ALL = List.of(
      new SnpFamily(),
      new AzSnpVtpmFamily(),
      new NitroFamily(),
      IntelFamily.TDX,
      IntelFamily.SGX,
      new AzTdxVtpmFamily());

  /** What {@code attest verify} says it tried when nothing recognised the input. */
  public static final String TRIED = "Trustee's SNP, az-snp-vtpm, az-tdx-vtpm, TDX or SGX evidence JSON (by its keys); a DCAP quote header "
      + "(version 3-5, ECDSA P-256 key, SGX or TDX tee type); a Nitro COSE_Sign1 (CBOR array of 4, or tag 18); "
      + "a 1184-byte SEV-SNP report (version 2-5); each also as hex or base64 text";

  private static final ObjectMapper JSON = new ObjectMapper();

  private TeeFamilies() {}

  /** Every family, in registration order. */
  public static List<TeeFamily> all() {
    return ALL;
  }

  /** Every family's name, in registration order. */
  public static List<String> names() {
    return ALL.stream().map(TeeFamily::name).toList();
  }

  public static Optional<TeeFamily> named(String name) {
    return ALL.stream().filter(f -> f.name().equals(name)).findFirst();
  }

  /**
   * The families a caller accepts, by name, in registration order.
   *
   * @throws IllegalArgumentException if {@code enabled} is empty or names a family not registered
   */
  public static Map<String, TeeFamily> enabled(java.util.Set<String> enabled) {
    String known = String.join(", ", new java.util.TreeSet<>(names()));
    if (enabled.isEmpty()) {
      throw new IllegalArgumentException("no TEE family enabled (known: " + known + ")");
    }
    for (String name : enabled) {
      if (named(name).isEmpty()) {
        throw new IllegalArgumentException("unknown TEE family '" + name + "' (known: " + known + ")");
      }
    }
    Map<String, TeeFamily> out = new LinkedHashMap<>();
    ALL.stream().filter(f -> enabled.contains(f.name())).forEach(f -> out.put(f.name(), f));
    return out;
  }

  /** The Nitro roots trusted unless a caller names others: AWS's G1 root, embedded and pinned. */
  public static List<java.security.cert.X509Certificate> defaultNitroRoots() {
    return List.of(dev.cloister.attestation.nitro.NitroVerifier.awsRoot());
  }

  /** A family and the bytes its decoder takes (text forms already decoded). */
  public record Detected(TeeFamily family, byte[] bytes) {}

  /** The family the bytes say, or empty: detection only picks a decoder, which decides whether the evidence is well formed. */
  public static Optional<Detected> detect(byte[] bytes) {
    Optional<Detected> d = recognised(bytes);
    if (d.isPresent()) {
      return d;
    }
    return text(bytes).filter(b -> jsonObject(b).isEmpty()).flatMap(TeeFamilies::recognised); // hex or base64 text of a binary form
  }

  private static Optional<Detected> recognised(byte[] bytes) {
    return ALL.stream().filter(f -> f.recognises(bytes)).findFirst().map(f -> new Detected(f, bytes));
  }

  /**
   * Policy files by family ({@code broker serve --policy FAMILY=FILE}), each in the format {@code
   * attest verify --policy} reads for it; what a broker binds to each session cannot be set.
   *
   * @throws IllegalArgumentException naming the family, the file and what is wrong with it
   */
  public static Map<String, TeePolicy> sessionPolicies(Map<String, Path> files, java.util.Set<String> enabled) {
    Map<String, TeePolicy> out = new LinkedHashMap<>();
    for (Map.Entry<String, Path> f : new TreeMap<>(files).entrySet()) {
      String name = f.getKey();
      String where = "--policy " + name + "=" + f.getValue();
      TeeFamily family = named(name).orElseThrow(() -> new IllegalArgumentException(
          where + ": unknown TEE family '" + name + "' (known: " + String.join(", ", new java.util.TreeSet<>(names())) + ")"));
      if (!enabled.contains(name)) {
        throw new IllegalArgumentException(where + ": " + name + " is not an accepted family (--tee)");
      }
      byte[] json;
      try {
        json = Files.readAllBytes(f.getValue());
      } catch (IOException e) {
        throw new IllegalArgumentException(where + ": cannot read the file");
      }
      try {
        JsonNode root = PolicyJson.read(json);
        family.sessionBound().forEach((key, why) -> {
          if (root.has(key)) {
            throw new IllegalArgumentException(key + ": " + why);
          }
        });
        out.put(name, family.policy(json));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage());
      }
    }
    return out;
  }

  /** The bytes as a JSON object, when they are one (leading white space allowed). */
  static Optional<JsonNode> jsonObject(byte[] bytes) {
    int i = 0;
    while (i < bytes.length && Character.isWhitespace(bytes[i])) {
      i++;
    }
    if (i >= bytes.length || bytes[i] != '{') {
      return Optional.empty();
    }
    try {
      // Strict, as every decoder reads it: a document with a duplicate key is no family's evidence.
      return Optional.of(dev.cloister.attestation.json.StrictJson.object(bytes, "evidence"));
    } catch (dev.cloister.attestation.MalformedEvidenceException e) {
      return Optional.empty();
    }
  }

  /** A JSON family's evidence as the bytes its decoder reads: a file's bytes, or the KBS object re-encoded. */
  static byte[] jsonBytes(Evidence evidence, String family) throws MalformedEvidenceException {
    return switch (evidence) {
      case Evidence.Bytes b -> b.bytes();
      case Evidence.Json(var value) when value.isObject() -> {
        try {
          yield JSON.writeValueAsBytes(value);
        } catch (IOException e) {
          throw new MalformedEvidenceException("tee-evidence", "cannot re-encode evidence");
        }
      }
      case Evidence.Json k -> throw new MalformedEvidenceException("tee-evidence", family + " evidence must be Trustee's JSON object");
    };
  }

  /**
   * The bytes written as text: hex (optionally {@code 0x}-prefixed) or base64 (standard or URL
   * alphabet, line breaks allowed), or empty when they are neither.
   */
  public static Optional<byte[]> text(byte[] bytes) {
    String s = new String(bytes, StandardCharsets.US_ASCII).strip();
    if (s.startsWith("0x") || s.startsWith("0X")) {
      s = s.substring(2);
    }
    if (s.isEmpty() || !s.chars().allMatch(c -> c < 128)) {
      return Optional.empty();
    }
    String compact = s.replaceAll("\\s", "");
    if (compact.matches("([0-9a-fA-F]{2})+")) {
      return Optional.of(HexFormat.of().parseHex(compact));
    }
    if (compact.matches("[A-Za-z0-9+/_-]+={0,2}")) {
      try {
        byte[] out = Base64.getDecoder().decode(compact.replace('-', '+').replace('_', '/'));
        return out.length == 0 ? Optional.empty() : Optional.of(out);
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }
}
