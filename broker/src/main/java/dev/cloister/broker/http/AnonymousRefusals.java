package dev.cloister.broker.http;

import dev.cloister.ledger.AuditEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Requests refused before they were authenticated, counted per source address and minute and
 * written to the audit log as one {@link AuditEvent.AnonymousRefusals} entry per source and minute
 * (when the minute is over, and at shutdown), never one fsynced entry per request: anyone can send
 * them, as fast as they like. Memory is bounded: at most {@link #MAX_SOURCES} sources a window, the
 * rest counted under {@link #OTHER_SOURCES}; each reason is a route, a status and a problem type
 * (no client text), and an entry keeps at most {@link AuditEvent.AnonymousRefusals#MAX_REASONS}.
 */
public final class AnonymousRefusals {
  /** Sources counted separately within one window. */
  public static final int MAX_SOURCES = 1024;
  /** Where the sources beyond {@link #MAX_SOURCES} are counted. */
  public static final String OTHER_SOURCES = "(other sources)";
  static final Duration WINDOW = Duration.ofMinutes(1);

  private record Key(String source, long window) {}

  private static final class Count {
    long total;
    final Map<String, Long> reasons = new LinkedHashMap<>();
  }

  private final Clock clock;
  private final Consumer<AuditEvent.AnonymousRefusals> log;
  private final Map<Key, Count> counts = new LinkedHashMap<>(); // guarded by this

  /** @param log appends an entry; throws when the log cannot be written, and the counts are kept for the next flush */
  public AnonymousRefusals(Clock clock, Consumer<AuditEvent.AnonymousRefusals> log) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.log = Objects.requireNonNull(log, "log");
  }

  /** Counts one refusal. */
  public void record(String source, String reason) {
    add(new Key(source, clock.millis() / WINDOW.toMillis()), reason, 1);
  }

  private synchronized void add(Key key, String reason, long n) {
    Count c = counts.get(key);
    if (c == null) {
      long sources = counts.keySet().stream().filter(k -> k.window() == key.window()).count();
      if (sources >= MAX_SOURCES && !key.source().equals(OTHER_SOURCES)) {
        add(new Key(OTHER_SOURCES, key.window()), reason, n);
        return;
      }
      c = new Count();
      counts.put(key, c);
    }
    c.total += n;
    if (c.reasons.size() < AuditEvent.AnonymousRefusals.MAX_REASONS || c.reasons.containsKey(reason)) {
      c.reasons.merge(reason, n, Long::sum);
    } else {
      c.reasons.merge(AuditEvent.AnonymousRefusals.OTHER_REASONS, n, Long::sum);
    }
  }

  /** Writes the windows that are over (every window when {@code all}); what cannot be written is kept. */
  public void flush(boolean all) {
    long current = clock.millis() / WINDOW.toMillis();
    List<Map.Entry<Key, Count>> due = new ArrayList<>();
    synchronized (this) {
      var it = counts.entrySet().iterator();
      while (it.hasNext()) {
        var e = it.next();
        if (all || e.getKey().window() < current) {
          due.add(e);
          it.remove();
        }
      }
    }
    for (int i = 0; i < due.size(); i++) {
      Key k = due.get(i).getKey();
      Count c = due.get(i).getValue();
      Instant from = Instant.ofEpochMilli(k.window() * WINDOW.toMillis());
      try {
        log.accept(new AuditEvent.AnonymousRefusals(k.source(), from, from.plus(WINDOW), c.total, c.reasons));
      } catch (RuntimeException e) {
        // The log is unavailable (a full disk): keep these counts for the next flush.
        for (Map.Entry<Key, Count> kept : due.subList(i, due.size())) {
          synchronized (this) {
            Count into = counts.computeIfAbsent(kept.getKey(), x -> new Count());
            into.total += kept.getValue().total;
            kept.getValue().reasons.forEach((r, n) -> into.reasons.merge(r, n, Long::sum));
          }
        }
        throw e;
      }
    }
  }
}
