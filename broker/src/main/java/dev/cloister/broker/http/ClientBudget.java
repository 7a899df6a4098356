package dev.cloister.broker.http;

import java.util.HashMap;
import java.util.Map;

/**
 * What one client address may hold at once: requests in flight and request-body bytes in flight
 * (declared by {@code Content-Length}, or the largest body a route takes when the length is not
 * declared). The JDK server bounds connections and how long a request may take to arrive, but not
 * per address; this keeps one address's stalled uploads from taking the memory everyone shares.
 */
final class ClientBudget {
  /** Requests one address may have in flight. */
  static final int REQUESTS_PER_CLIENT = 128;
  /** Request-body bytes one address may have in flight: two of the largest uploads (a 16 MiB resource). */
  static final long BYTES_PER_CLIENT = 32L << 20;

  private record Held(int requests, long bytes) {}

  private final int maxRequests;
  private final long maxBytes;
  private final Map<String, Held> held = new HashMap<>(); // guarded by this

  ClientBudget(int maxRequests, long maxBytes) {
    this.maxRequests = maxRequests;
    this.maxBytes = maxBytes;
  }

  /** Takes one request and its body's bytes for a client; false (and nothing taken) when it would exceed the budget. */
  synchronized boolean acquire(String client, long bytes) {
    Held h = held.getOrDefault(client, new Held(0, 0));
    if (h.requests() + 1 > maxRequests || h.bytes() + bytes > maxBytes) {
      return false;
    }
    held.put(client, new Held(h.requests() + 1, h.bytes() + bytes));
    return true;
  }

  synchronized void release(String client, long bytes) {
    Held h = held.get(client);
    if (h == null) {
      return;
    }
    if (h.requests() <= 1) {
      held.remove(client);
    } else {
      held.put(client, new Held(h.requests() - 1, h.bytes() - bytes));
    }
  }
}
