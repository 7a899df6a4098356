package dev.cloister.broker.kbs;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
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
 */
public final class Sessions {
  /** What a session holds at each step. */
  public sealed interface State permits Authed, Consumed, Attested {
    String id();

    Instant expires();
  }

  /** After {@code auth}: waiting for evidence bound to {@code nonce}. */
  public record Authed(String id, String tee, String nonce, Instant expires) implements State {}

  /** An attestation was attempted and failed; the nonce is spent. */
  public record Consumed(String id, Instant expires) implements State {}

  /** Attested: the token and the TEE key it was issued for. */
  public record Attested(String id, String token, Instant expires) implements State {}

  private final Map<String, State> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final Clock clock;
  private final Duration timeout;
  private final int maxSessions;

  public Sessions(Clock clock, Duration timeout, int maxSessions) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.maxSessions = maxSessions;
  }

  public Duration timeout() {
    return timeout;
  }

  /** Starts a session; refuses when too many are live (after dropping expired ones). */
  public Authed create(String tee) throws KbsProblem {
    if (sessions.size() >= maxSessions) {
      purgeExpired();
      if (sessions.size() >= maxSessions) {
        throw new KbsProblem(503, "too-many-sessions", "too many open sessions; retry later");
      }
    }
    byte[] id = new byte[16];
    byte[] nonce = new byte[32];
    random.nextBytes(id);
    random.nextBytes(nonce);
    Authed s = new Authed(HexFormat.of().formatHex(id), tee, Base64.getEncoder().encodeToString(nonce), clock.instant().plus(timeout));
    sessions.put(s.id(), s);
    return s;
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
      sessions.remove(id, s);
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
    if (!sessions.replace(id, s, new Consumed(id, s.expires()))) {
      throw KbsProblem.unauthenticated("replay", "this session's nonce was already used; start a new session");
    }
    return authed;
  }

  /** Records a successful attestation on a consumed session. */
  public void attested(String id, String token) {
    sessions.computeIfPresent(id, (k, v) -> v instanceof Consumed c ? new Attested(id, token, c.expires()) : v);
  }

  public Optional<State> peek(String id) {
    return Optional.ofNullable(sessions.get(id));
  }

  public int size() {
    return sessions.size();
  }

  /** Drops expired sessions; the server calls this periodically. */
  public void purgeExpired() {
    Instant now = clock.instant();
    sessions.values().removeIf(s -> !now.isBefore(s.expires()));
  }
}
