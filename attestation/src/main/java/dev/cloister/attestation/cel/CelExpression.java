package dev.cloister.attestation.cel;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A CEL expression compiled once against declared variables, each either a {@code map(string,
 * dyn)} or a string, and evaluated many times. Values passed in are normalised to CEL's types
 * (integers to {@code long}), so JSON-shaped claims work as they are. Thread-safe.
 */
public final class CelExpression {
  private final String source;
  private final CelRuntime.Program program;
  private final List<CelPin> pins;

  private CelExpression(String source, CelRuntime.Program program, List<CelPin> pins) {
    this.source = source;
    this.program = program;
    this.pins = pins;
  }

  /**
   * @param mapVariables names bound to {@code map(string, dyn)}
   * @param stringVariables names bound to {@code string}
   * @throws CelPolicyException naming the compile error
   */
  public static CelExpression compile(String source, Set<String> mapVariables, Set<String> stringVariables)
      throws CelPolicyException {
    Objects.requireNonNull(source, "source");
    var builder = CelFactory.standardCelBuilder().setStandardMacros(CelStandardMacro.STANDARD_MACROS);
    CelType map = MapType.create(SimpleType.STRING, SimpleType.DYN);
    for (String v : mapVariables) {
      builder.addVar(v, map);
    }
    for (String v : stringVariables) {
      builder.addVar(v, SimpleType.STRING);
    }
    Cel cel = builder.build();
    try {
      CelAbstractSyntaxTree ast = cel.compile(source).getAst();
      return new CelExpression(source, cel.createProgram(ast), CelPins.of(ast.getExpr()));
    } catch (CelValidationException e) {
      throw new CelPolicyException("policy does not compile: " + e.getMessage(), e);
    } catch (CelEvaluationException e) {
      throw new CelPolicyException("policy cannot be planned: " + e.getMessage(), e);
    }
  }

  public String source() {
    return source;
  }

  /**
   * What the expression provably requires of its variables whenever it is true: its top-level
   * conjuncts of the form {@code v.path == 'literal'} or {@code v.path in [...]} or {@code v.path in m['k']}
   * (see {@link CelPin}). A policy written otherwise may still constrain values; it just cannot be
   * shown to here.
   */
  public List<CelPin> pins() {
    return pins;
  }

  /**
   * Evaluates with the given variable values.
   *
   * @throws CelPolicyException if evaluation fails (a missing key, a type error): callers treat
   *     that as a denial
   */
  public Object evaluate(Map<String, ?> variables) throws CelPolicyException {
    Map<String, Object> normalised = new LinkedHashMap<>();
    variables.forEach((k, v) -> normalised.put(k, normalise(v)));
    try {
      return program.eval(normalised);
    } catch (CelEvaluationException e) {
      throw new CelPolicyException("policy evaluation failed: " + e.getMessage(), e);
    }
  }

  /** Evaluates and requires a boolean result. */
  public boolean test(Map<String, ?> variables) throws CelPolicyException {
    Object r = evaluate(variables);
    if (r instanceof Boolean b) {
      return b;
    }
    throw new CelPolicyException("policy must return a bool, returned " + (r == null ? "null" : r.getClass().getSimpleName()));
  }

  private static Object normalise(Object v) {
    return switch (v) {
      case Integer i -> i.longValue();
      case Short s -> s.longValue();
      case Byte b -> b.longValue();
      case Float f -> f.doubleValue();
      case Map<?, ?> m -> {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, x) -> out.put(String.valueOf(k), normalise(x)));
        yield out;
      }
      case List<?> l -> {
        List<Object> out = new ArrayList<>(l.size());
        l.forEach(x -> out.add(normalise(x)));
        yield out;
      }
      case null -> com.google.protobuf.NullValue.NULL_VALUE;
      default -> v;
    };
  }

  @Override
  public String toString() {
    return "CelExpression[" + source + "]";
  }
}
