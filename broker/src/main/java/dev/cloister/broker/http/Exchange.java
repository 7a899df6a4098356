package dev.cloister.broker.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import dev.cloister.broker.kbs.KbsProblem;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small helpers over {@link HttpExchange}: bounded bodies, JSON and problem+json responses, cookies. */
final class Exchange {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PROBLEM_BASE = "https://cloister.dev/problems/";

  private Exchange() {}

  static byte[] body(HttpExchange ex, int max) throws IOException, KbsProblem {
    try (InputStream in = ex.getRequestBody()) {
      byte[] b = in.readNBytes(max + 1);
      if (b.length > max) {
        throw new KbsProblem(413, "too-large", "request body exceeds " + max + " bytes");
      }
      return b;
    }
  }

  static void json(HttpExchange ex, int status, Object value) throws IOException {
    send(ex, status, "application/json", JSON.writeValueAsBytes(value));
  }

  static void problem(HttpExchange ex, KbsProblem p) throws IOException {
    problem(ex, p, null);
  }

  /** With a correlation id (RFC 9457 {@code instance} and {@code correlation_id}) that the operator's log repeats. */
  static void problem(HttpExchange ex, KbsProblem p, String correlationId) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", PROBLEM_BASE + p.type());
    m.put("title", p.type().replace('-', ' '));
    m.put("status", p.status());
    m.put("detail", p.getMessage());
    if (correlationId != null) {
      m.put("instance", "urn:cloister:error:" + correlationId);
      m.put("correlation_id", correlationId);
    }
    send(ex, p.status(), "application/problem+json", JSON.writeValueAsBytes(m));
  }

  static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
    ex.close();
  }

  static void text(HttpExchange ex, int status, String contentType, String body) throws IOException {
    send(ex, status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  /** The value of a cookie, or null. */
  static String cookie(HttpExchange ex, String name) {
    for (String header : ex.getRequestHeaders().getOrDefault("Cookie", java.util.List.of())) {
      for (String part : header.split(";")) {
        String p = part.strip();
        int eq = p.indexOf('=');
        if (eq > 0 && p.substring(0, eq).equals(name)) {
          String v = p.substring(eq + 1);
          // RFC 2965 clients (the JDK's CookieManager among them) quote the value.
          return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
        }
      }
    }
    return null;
  }

  /** The bearer credential, or null. */
  static String bearer(HttpExchange ex) {
    String h = ex.getRequestHeaders().getFirst("Authorization");
    if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return h.substring(7).strip();
    }
    return null;
  }
}
