package dev.cloister.broker.release;

import com.nimbusds.jose.jwk.ECKey;
import dev.cloister.attestation.refvalue.ReferenceValue;
import dev.cloister.attestation.refvalue.ReferenceValueException;
import dev.cloister.attestation.refvalue.SignedReferenceValues;
import dev.cloister.broker.store.AuditedChanges;
import dev.cloister.broker.store.BrokerStore;
import java.sql.SQLException;
import java.text.ParseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The broker's reference values: accepted only when signed by a pipeline key the admin trusts, and
 * re-verified (signature and validity) every time policies read them, so an expired or no longer
 * trusted value stops counting without anyone deleting it. Release policies see them as
 * {@code reference_values}: name to the list of currently valid measurements.
 */
public final class ReferenceValueStore {
  private final BrokerStore store;
  private final Clock clock;
  private final AuditedChanges changes;

  public ReferenceValueStore(BrokerStore store, Clock clock, AuditedChanges changes) {
    this.store = store;
    this.changes = changes;
    this.clock = clock;
  }

  /** Trusts a pipeline's P-256 public key (JWK with a key ID), with its audit entry. */
  public String trust(String publicJwk) throws SQLException, ReferenceValueException {
    ECKey key;
    try {
      key = ECKey.parse(publicJwk);
    } catch (ParseException e) {
      throw new ReferenceValueException("not an EC JWK");
    }
    if (key.isPrivate() || key.getKeyID() == null) {
      throw new ReferenceValueException("a pipeline key must be a public JWK with a kid");
    }
    changes.commit("pipeline_key.trust", key.getKeyID(), BrokerStore.pipelineKeyPut(key.getKeyID(), key.toPublicJWK().toJSONString()));
    return key.getKeyID();
  }

  private List<ECKey> trusted() throws SQLException {
    List<ECKey> keys = new ArrayList<>();
    for (String j : store.pipelineKeys()) {
      try {
        keys.add(ECKey.parse(j));
      } catch (ParseException e) {
        // a stored key that no longer parses trusts nothing
      }
    }
    return keys;
  }

  /** Verifies and stores a signed reference value, with its audit entry; unsigned or untrusted values are refused. */
  public ReferenceValue publish(String document) throws SQLException, ReferenceValueException {
    ReferenceValue rv = SignedReferenceValues.verify(document, trusted(), clock.instant());
    changes.commit("reference_value.publish", rv.name() + " " + rv.version() + " " + rv.measurement(),
        BrokerStore.referenceValuePut(rv.name(), rv.version(), document.strip()));
    return rv;
  }

  /** Name to currently valid measurements. */
  public Map<String, Object> current() throws SQLException {
    List<ECKey> keys = trusted();
    Map<String, Object> out = new LinkedHashMap<>();
    for (String doc : store.referenceValueDocuments()) {
      try {
        ReferenceValue rv = SignedReferenceValues.verify(doc, keys, clock.instant());
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) out.computeIfAbsent(rv.name(), k -> new ArrayList<>());
        list.add(rv.measurement());
      } catch (ReferenceValueException e) {
        // expired or no longer trusted: it no longer counts
      }
    }
    return out;
  }
}
