package dev.cloister.attestation.cel;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What one top-level conjunct of a CEL expression proves whenever the expression is true: the
 * string at {@code path} under the map variable {@code variable} is one of the allowed values.
 * Only the forms {@code v.a.b == 'x'}, {@code 'x' == v.a['b']}, {@code v.a in ['x', 'y']} and
 * {@code v.a in m['k']} are recognised; anything else proves nothing and yields no pin.
 *
 * @param path the field names from the variable down, e.g. {@code [pcrs, 0]} for {@code claims.pcrs['0']}
 */
public record CelPin(String variable, List<String> path, Allowed allowed) {
  public CelPin {
    Objects.requireNonNull(variable, "variable");
    path = List.copyOf(path);
    Objects.requireNonNull(allowed, "allowed");
  }

  /** The values a pinned string may take. */
  public sealed interface Allowed {}

  /** One of these string literals. */
  public record Literals(Set<String> values) implements Allowed {
    public Literals {
      values = Set.copyOf(values);
    }
  }

  /** An element of the list {@code variable[key]} (e.g. {@code reference_values['image']}). */
  public record Lookup(String variable, String key) implements Allowed {}

  /** {@code claims.pcrs['0']} style, for messages. */
  public String describe() {
    StringBuilder s = new StringBuilder(variable);
    for (int i = 0; i < path.size(); i++) {
      s.append(i == 0 ? "." + path.get(i) : "['" + path.get(i) + "']");
    }
    return s.toString();
  }
}
