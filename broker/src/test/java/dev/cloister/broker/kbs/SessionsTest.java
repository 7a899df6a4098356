package dev.cloister.broker.kbs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SessionsTest {
  static final class MutableClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void nonceIs32RandomBytesAndSingleUse() throws Exception {
    Sessions s = new Sessions(Clock.systemUTC(), Duration.ofMinutes(5), 100);
    Sessions.Authed a = s.create("snp");
    assertThat(Base64.getDecoder().decode(a.nonce())).hasSize(32);
    assertThat(s.consume(a.id()).nonce()).isEqualTo(a.nonce());
    assertThatThrownBy(() -> s.consume(a.id())).isInstanceOfSatisfying(KbsProblem.class, p -> {
      assertThat(p.status()).isEqualTo(401);
      assertThat(p.type()).isEqualTo("replay");
    });
  }

  @Test
  void expiredSessionsAreRefused() throws Exception {
    MutableClock clock = new MutableClock();
    Sessions s = new Sessions(clock, Duration.ofMinutes(5), 100);
    Sessions.Authed a = s.create("snp");
    clock.now = clock.now.plus(Duration.ofMinutes(5));
    assertThatThrownBy(() -> s.consume(a.id())).isInstanceOfSatisfying(KbsProblem.class, p -> assertThat(p.type()).isEqualTo("session-expired"));
    assertThatThrownBy(() -> s.get(null)).isInstanceOfSatisfying(KbsProblem.class, p -> assertThat(p.type()).isEqualTo("session-missing"));
  }

  @Test
  void concurrentConsumersOfOneSessionHaveExactlyOneWinner() throws Exception {
    Sessions s = new Sessions(Clock.systemUTC(), Duration.ofMinutes(5), 100_000);
    for (int round = 0; round < 50; round++) {
      Sessions.Authed a = s.create("snp");
      AtomicInteger wins = new AtomicInteger();
      try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < 16; i++) {
          pool.submit(() -> {
            try {
              s.consume(a.id());
              wins.incrementAndGet();
            } catch (KbsProblem expected) {
              // the losers
            }
          });
        }
      }
      assertThat(wins.get()).isEqualTo(1);
    }
  }

  @Test
  void manySessionsAreDistinct() throws Exception {
    Sessions s = new Sessions(Clock.systemUTC(), Duration.ofMinutes(5), 100_000);
    Set<String> ids = ConcurrentHashMap.newKeySet();
    Set<String> nonces = ConcurrentHashMap.newKeySet();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 2000; i++) {
        pool.submit(() -> {
          Sessions.Authed a = s.create("snp");
          ids.add(a.id());
          nonces.add(a.nonce());
          return null;
        });
      }
    }
    assertThat(ids).hasSize(2000);
    assertThat(nonces).hasSize(2000);
  }

  @Test
  void tooManySessionsIsA503() throws Exception {
    Sessions s = new Sessions(Clock.systemUTC(), Duration.ofMinutes(5), 2);
    s.create("snp");
    s.create("snp");
    assertThatThrownBy(() -> s.create("snp")).isInstanceOfSatisfying(KbsProblem.class, p -> assertThat(p.status()).isEqualTo(503));
  }
}
