package dev.cloister.attestation.cel;

import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the pins of a compiled expression: its top-level {@code &&} conjuncts that compare one
 * variable path with string literals or a lookup. Sound because CEL's {@code &&} is true only when
 * every operand is true (an error or false in any operand never yields true), so each such conjunct
 * holds whenever the whole expression does. Conjuncts inside {@code ||}, negations, macros or
 * functions are ignored: they may constrain values, but not in a form that can be checked apart.
 */
final class CelPins {
  private static final String AND = "_&&_";
  private static final String EQUALS = "_==_";
  private static final String IN = "@in";
  private static final String INDEX = "_[_]";

  private CelPins() {}

  static List<CelPin> of(CelExpr root) {
    List<CelPin> out = new ArrayList<>();
    for (CelExpr conjunct : conjuncts(root, new ArrayList<>())) {
      pin(conjunct).ifPresent(out::add);
    }
    return List.copyOf(out);
  }

  private static List<CelExpr> conjuncts(CelExpr e, List<CelExpr> into) {
    if (e.getKind() == CelExpr.ExprKind.Kind.CALL && e.call().function().equals(AND) && e.call().target().isEmpty()) {
      e.call().args().forEach(a -> conjuncts(a, into));
    } else {
      into.add(e);
    }
    return into;
  }

  private static Optional<CelPin> pin(CelExpr e) {
    if (e.getKind() != CelExpr.ExprKind.Kind.CALL || e.call().target().isPresent() || e.call().args().size() != 2) {
      return Optional.empty();
    }
    CelExpr a = e.call().args().get(0);
    CelExpr b = e.call().args().get(1);
    switch (e.call().function()) {
      case EQUALS -> {
        Optional<CelPin> p = path(a).flatMap(l -> string(b).map(s -> pin(l, new CelPin.Literals(Set.of(s)))));
        return p.isPresent() ? p : path(b).flatMap(l -> string(a).map(s -> pin(l, new CelPin.Literals(Set.of(s)))));
      }
      case IN -> {
        Optional<List<String>> left = path(a);
        if (left.isEmpty()) {
          return Optional.empty();
        }
        if (b.getKind() == CelExpr.ExprKind.Kind.LIST && b.list().optionalIndices().isEmpty()) {
          Set<String> values = new LinkedHashSet<>();
          for (CelExpr x : b.list().elements()) {
            Optional<String> s = string(x);
            if (s.isEmpty()) {
              return Optional.empty();
            }
            values.add(s.get());
          }
          // 'x in []' is never true: it pins to nothing, which is still a pin (nothing passes it).
          return Optional.of(pin(left.get(), new CelPin.Literals(values)));
        }
        return path(b).filter(l -> l.size() == 2).map(l -> pin(left.get(), new CelPin.Lookup(l.get(0), l.get(1))));
      }
      default -> {
        return Optional.empty();
      }
    }
  }

  private static CelPin pin(List<String> path, CelPin.Allowed allowed) {
    return new CelPin(path.getFirst(), path.subList(1, path.size()), allowed);
  }

  /** {@code v}, {@code v.a}, {@code v['a']}, {@code v.a['b']}...: the variable then the keys; never a has() test. */
  private static Optional<List<String>> path(CelExpr e) {
    switch (e.getKind()) {
      case IDENT -> {
        return Optional.of(new ArrayList<>(List.of(e.ident().name())));
      }
      case SELECT -> {
        if (e.select().testOnly()) {
          return Optional.empty();
        }
        return path(e.select().operand()).map(p -> {
          p.add(e.select().field());
          return p;
        });
      }
      case CALL -> {
        if (!e.call().function().equals(INDEX) || e.call().target().isPresent() || e.call().args().size() != 2) {
          return Optional.empty();
        }
        Optional<String> key = string(e.call().args().get(1));
        return key.flatMap(k -> path(e.call().args().get(0)).map(p -> {
          p.add(k);
          return p;
        }));
      }
      default -> {
        return Optional.empty();
      }
    }
  }

  private static Optional<String> string(CelExpr e) {
    return e.getKind() == CelExpr.ExprKind.Kind.CONSTANT && e.constant().getKind() == CelConstant.Kind.STRING_VALUE
        ? Optional.of(e.constant().stringValue()) : Optional.empty();
  }
}
