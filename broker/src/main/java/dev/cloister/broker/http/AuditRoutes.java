package dev.cloister.broker.http;

import com.sun.net.httpserver.HttpExchange;
import dev.cloister.broker.kbs.KbsProblem;
import java.io.IOException;

/** The admin's read access to the audit log: {@code GET /kbs/v0/audit/<sub>}. */
public interface AuditRoutes {
  void handle(HttpExchange ex, String sub) throws IOException, KbsProblem;
}
