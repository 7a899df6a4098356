package dev.cloister.cleanroom.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * A contract and the parties' signatures: each an Ed25519 signature by the party's key over
 * {@code "cloister-contract-v1:" + hex(digest)} (the prefix keeps these signatures from meaning
 * anything else). A contract counts only with a valid signature from every party, and changing any
 * byte of it changes the digest and voids them all.
 */
public record SignedContract(@JsonProperty("contract") Contract contract, @JsonProperty("signatures") Map<String, String> signatures) {
  static final String DOMAIN = "cloister-contract-v1:";
  /** A contract names parties, datasets and keys: far larger is not one. */
  static final int MAX_FILE = 4 << 20;

  public SignedContract {
    signatures = new TreeMap<>(signatures);
  }

  public static SignedContract unsigned(Contract c) {
    return new SignedContract(c, Map.of());
  }

  /**
   * Reads a signed contract strictly: a duplicate key (two {@code measurement} members, say) is
   * refused, naming it, since readers that resolve it differently would sign one contract and run another.
   */
  public static SignedContract parse(byte[] json) throws ContractException {
    try {
      return dev.cloister.attestation.json.StrictJson.bind(json, SignedContract.class, "contract", MAX_FILE);
    } catch (dev.cloister.attestation.MalformedEvidenceException e) {
      throw new ContractException("contract", "not a signed-contract document: " + e.detail());
    }
  }

  public byte[] toJson() {
    try {
      return Contract.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] message(Contract c) {
    return (DOMAIN + c.digestHex()).getBytes(StandardCharsets.US_ASCII);
  }

  /** Adds {@code party}'s signature; the key must be the one the contract names for the party. */
  public SignedContract sign(String party, PrivateKey key, PublicKey publicKey) throws ContractException, GeneralSecurityException {
    contract.validate();
    Contract.Party p = contract.party(party);
    if (!p.signingKey().equals(Base64.getEncoder().encodeToString(publicKey.getEncoded()))) {
      throw new ContractException("parties." + party + ".signing_key", "is not this key");
    }
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(key);
    s.update(message(contract));
    Map<String, String> sigs = new TreeMap<>(signatures);
    sigs.put(party, Base64.getEncoder().encodeToString(s.sign()));
    return new SignedContract(contract, sigs);
  }

  /** Valid only with exactly one good signature per party; names the first party that fails. */
  public void verify() throws ContractException {
    contract.validate();
    for (String signer : signatures.keySet()) {
      contract.party(signer); // a signature from a non-party is an error, not noise
    }
    for (Contract.Party p : contract.parties()) {
      String sig = signatures.get(p.name());
      if (sig == null) {
        throw new ContractException("signatures." + p.name(), "missing: the contract is not signed by " + p.name());
      }
      try {
        PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(p.signingKey())));
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(key);
        s.update(message(contract));
        if (!s.verify(Base64.getDecoder().decode(sig))) {
          throw new ContractException("signatures." + p.name(), "invalid: the contract changed after " + p.name() + " signed, or the key is wrong");
        }
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        throw new ContractException("signatures." + p.name(), "cannot be checked: " + e.getMessage());
      }
    }
  }
}
