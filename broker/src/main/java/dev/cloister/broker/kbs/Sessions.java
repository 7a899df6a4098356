package dev.cloister.broker.kbs;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * KBS sessions, in memory: a session is created by {@code auth} with a fresh 32-byte nonce, is
 * consumed by its first {@code attest} (success or failure: a nonce is single use), and if that
 * attestation succeeded it carries the token until it expires. Sessions do not survive a restart;
 * a client then simply authenticates again.
 *
 * <p>Anyone can call {@code auth}, so a session that has not attested is cheap and short-lived
 * (at most {@link #PENDING_LIFETIME}) and bounded: at most {@code maxPendingPerClient} per client
 * address and {@code maxPending} in all. A client at its bound loses its own oldest unattested
 * session; when all are taken, the client holding the most loses its oldest. So a flood from one
 * address never refuses another address, and only attested sessions (which need evidence that
 * verified) can fill the table up to {@code maxSessions}.
 */
public final class Sessions {
  /** How long a session may wait for its attestation. */
  public static final Duration PENDING_LIFETIME = Duration.ofSeconds(60);

  /** What a session holds at each step. */
  public sealed interface State permits Authed, Consumed, Attested {
    String id();

    Instant expires();
  }

  /** After {@code auth}: waiting for evidence bound to {@code nonce}. */
  public record Authed(String id, String tee, String nonce, String client, Instant expires) implements State {}

  /** An attestation was attempted and failed (or is under way); the nonce is spent. */
  public record Consumed(String id, String client, Instant expires, Instant attestedExpiry) implements State {}

  /** Attested: the token and the TEE key it was issued for. */
  public record Attested(String id, String token, Instant expires) implements State {}

  private final Map<String, State> sessions = new ConcurrentHashMap<>();
  /** Unattested session ids per client, oldest first; guarded by itself. */
  private final Map<String, Deque<String>> pending = new HashMap<>();
  private int pendingCount; // guarded by pending
  private final SecureRandom random = new SecureRandom();
  private final Clock clock;
  private final Duration timeout;
  private final int maxSessions;
  private final int maxPending;
  private final int maxPendingPerClient;

  /** {@code maxSessions} in all; unattested ones at most a tenth of it (at least 1) and 256 per client. */
  public Sessions(Clock clock, Duration timeout, int maxSessions) {
    this(clock, timeout, maxSessions, Math.max(1, Math.min(maxSessions / 10, 16_384)), 256);
  }

  public Sessions(Clock clock, Duration timeout, int maxSessions, int maxPending, int maxPendingPerClient) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    if (maxPending < 1 || maxPendingPerClient < 1 || maxSessions < maxPending) {
      throw new IllegalArgumentException("session bounds: need 1 <= maxPending <= maxSessions and maxPendingPerClient >= 1");
    }
    this.maxSessions = maxSessions;
    this.maxPending = maxPending;
    this.maxPendingPerClient = maxPendingPerClient;
  }

  public Duration timeout() {
    return timeout;
  }

  /** Starts a session for a client (its address); refuses only when attested sessions fill the table. */
  public Authed create(String tee, String client) throws KbsProblem {
    Objects.requireNonNull(client, "client");
    byte[] id = new byte[16];
    byte[] nonce = new byte[32];
    random.nextBytes(id);
    random.nextBytes(nonce);
    Instant now = clock.instant();
    Authed s = new Authed(HexFormat.of().formatHex(id), tee, Base64.getEncoder().encodeToString(nonce), client, now.plus(pendingLifetime()));
    synchronized (pending) {
      if (pendingCount >= maxPending) {
        purgeExpired(); // first: it drops emptied deques, so this client's must be looked up after it
      }
      Deque<String> mine = pending.computeIfAbsent(client, c -> new ArrayDeque<>());
      if (mine.size() >= maxPendingPerClient) {
        evict(mine);
      } else if (pendingCount >= maxPending) {
        Deque<String> most = mine;
        for (Deque<String> d : pending.values()) {
          if (d.size() > most.size()) {
            most = d;
          }
        }
        evict(most);
      }
      if (sessions.size() >= maxSessions) {
        purgeExpired();
        if (sessions.size() >= maxSessions) {
          throw new KbsProblem(503, "too-many-sessions", "too many attested sessions are open; retry later");
        }
      }
      sessions.put(s.id(), s);
      mine.addLast(s.id());
      pendingCount++;
    }
    return s;
  }

  private Duration pendingLifetime() {
    return timeout.compareTo(PENDING_LIFETIME) < 0 ? timeout : PENDING_LIFETIME;
  }

  /** Drops the oldest unattested session of this client; caller holds {@code pending}. */
  private void evict(Deque<String> ids) {
    String oldest = ids.pollFirst();
    if (oldest != null) {
      pendingCount--;
      sessions.remove(oldest);
    }
  }

  /** The live session with this id, or a 401 naming why there is none. */
  public State get(String id) throws KbsProblem {
    if (id == null) {
      throw KbsProblem.unauthenticated("session-missing", "no kbs-session-id cookie: call /kbs/v0/auth first");
    }
    State s = sessions.get(id);
    if (s == null) {
      throw KbsProblem.unauthenticated("session-unknown", "unknown session (it may have expired)");
    }
    if (!clock.instant().isBefore(s.expires())) {
      throw KbsProblem.unauthenticated("session-expired", "session expired at " + s.expires());
    }
    return s;
  }

  /**
   * Takes the session's nonce for one attestation attempt. Exactly one caller wins; every other
   * (a replay, a concurrent duplicate) gets a 401.
   */
  public Authed consume(String id) throws KbsProblem {
    State s = get(id);
    if (!(s instanceof Authed authed)) {
      throw KbsProblem.unauthenticated("replay", "this session's nonce was already used; start a new session");
    }
    // An attested session lives the full timeout from its auth, as before; a failed one only until its short expiry.
    Instant attestedExpiry = authed.expires().minus(pendingLifetime()).plus(timeout);
    if (!sessions.replace(id, s, new Consumed(id, authed.client(), authed.expires(), attestedExpiry))) {
      throw KbsProblem.unauthenticated("replay", "this session's nonce was already used; start a new session");
    }
    return authed;
  }

  /** Records a successful attestation on a consumed session, which stops counting as unattested. */
  public void attested(String id, String token) {
    if (!(sessions.get(id) instanceof Consumed before)) {
      return;
    }
    State now = sessions.computeIfPresent(id, (k, v) -> v instanceof Consumed c ? new Attested(id, token, c.attestedExpiry()) : v);
    if (now instanceof Attested) {
      synchronized (pending) {
        Deque<String> d = pending.get(before.client());
        if (d != null && d.remove(id)) {
          pendingCount--;
          if (d.isEmpty()) {
            pending.remove(before.client());
          }
        }
      }
    }
  }

  public Optional<State> peek(String id) {
    return Optional.ofNullable(sessions.get(id));
  }

  public int size() {
    return sessions.size();
  }

  /** Unattested sessions held for this client. */
  public int pending(String client) {
    synchronized (pending) {
      Deque<String> d = pending.get(client);
      return d == null ? 0 : d.size();
    }
  }

  /** Drops expired sessions; the server calls this periodically. */
  public void purgeExpired() {
    Instant now = clock.instant();
    synchronized (pending) {
      sessions.values().removeIf(s -> !now.isBefore(s.expires()));
      var it = pending.values().iterator();
      while (it.hasNext()) {
        Deque<String> d = it.next();
        int before = d.size();
        d.removeIf(id -> !sessions.containsKey(id));
        pendingCount -= before - d.size();
        if (d.isEmpty()) {
          it.remove();
        }
      }
    }
  }
}
