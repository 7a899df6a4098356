package dev.cloister.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** Human tables by default, JSON for machines. */
final class Output {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Output() {}

  static void json(PrintWriter out, Object value) {
    try {
      out.println(JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render JSON", e);
    }
  }

  /** A two-column key/value table, nested maps flattened with dots. */
  static void keyValues(PrintWriter out, Map<String, ?> values) {
    java.util.LinkedHashMap<String, String> flat = new java.util.LinkedHashMap<>();
    flatten("", values, flat);
    int width = flat.keySet().stream().mapToInt(String::length).max().orElse(0);
    flat.forEach((k, v) -> out.printf("%-" + width + "s  %s%n", k, v));
  }

  private static void flatten(String prefix, Map<String, ?> values, Map<String, String> into) {
    values.forEach((k, v) -> {
      String key = prefix.isEmpty() ? k : prefix + "." + k;
      if (v instanceof Map<?, ?> m) {
        @SuppressWarnings("unchecked")
        Map<String, ?> nested = (Map<String, ?>) m;
        flatten(key, nested, into);
      } else {
        into.put(key, String.valueOf(v));
      }
    });
  }

  /** A table with a header row; columns sized to their widest cell. */
  static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
    int[] w = new int[header.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = header.get(i).length();
      for (List<String> r : rows) {
        w[i] = Math.max(w[i], r.get(i).length());
      }
    }
    printRow(out, header, w);
    for (List<String> r : rows) {
      printRow(out, r, w);
    }
  }

  private static void printRow(PrintWriter out, List<String> cells, int[] w) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      sb.append(i == cells.size() - 1 ? c : String.format("%-" + w[i] + "s  ", c));
    }
    out.println(sb.toString().stripTrailing());
  }
}
