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
    Sessions.Authed a = s.create("snp", "192.0.2.1");
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
    Sessions.Authed a = s.create("snp", "192.0.2.1");
    clock.now = clock.now.plus(Duration.ofMinutes(5));
    assertThatThrownBy(() -> s.consume(a.id())).isInstanceOfSatisfying(KbsProblem.class, p -> assertThat(p.type()).isEqualTo("session-expired"));
    assertThatThrownBy(() -> s.get(null)).isInstanceOfSatisfying(KbsProblem.class, p -> assertThat(p.type()).isEqualTo("session-missing"));
  }

  @Test
  void concurrentConsumersOfOneSessionHaveExactlyOneWinner() throws Exception {
    Sessions s = new Sessions(Clock.systemUTC(), Duration.ofMinutes(5), 100_000);
    for (int round = 0; round < 50; round++) {
      Sessions.Authed a = s.create("snp", "192.0.2.1");
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
          Sessions.Authed a = s.create("snp", "192.0.2.1");
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
  void onlyAttestedSessionsCanFillTheTableAndThatIsA503() throws Exception {
    Sessions s = new Sessions(Clock.systemUTC(), Duration.ofMinutes(5), 2, 1, 1);
    for (int i = 0; i < 2; i++) {
      Sessions.Authed a = s.create("snp", "192.0.2.1");
      s.consume(a.id());
      s.attested(a.id(), "token");
    }
    assertThatThrownBy(() -> s.create("snp", "192.0.2.2")).isInstanceOfSatisfying(KbsProblem.class, p -> {
      assertThat(p.status()).isEqualTo(503);
      assertThat(p.type()).isEqualTo("too-many-sessions");
    });
  }

  /** Issue 13 item 7: a flood of auth from one address costs that address its own oldest sessions, nobody else's. */
  @Test
  void aFloodFromOneAddressEvictsItsOwnOldestAndLeavesRoomForOthers() throws Exception {
    Sessions s = new Sessions(Clock.systemUTC(), Duration.ofMinutes(5), 1000, 100, 10);
    Sessions.Authed other = s.create("snp", "192.0.2.2");
    Sessions.Authed first = s.create("snp", "192.0.2.1");
    for (int i = 0; i < 5000; i++) {
      s.create("snp", "192.0.2.1");
    }
    assertThat(s.pending("192.0.2.1")).isEqualTo(10);
    assertThat(s.size()).isEqualTo(11);
    assertThatThrownBy(() -> s.consume(first.id())).isInstanceOfSatisfying(KbsProblem.class, p -> assertThat(p.type()).isEqualTo("session-unknown"));
    assertThat(s.consume(other.id()).nonce()).isEqualTo(other.nonce());
    // Many flooding addresses fill the unattested bound: a newcomer still gets a session, at the cost of the biggest holder.
    for (int a = 0; a < 30; a++) {
      for (int i = 0; i < 10; i++) {
        s.create("snp", "198.51.100." + a);
      }
    }
    Sessions.Authed newcomer = s.create("snp", "203.0.113.9");
    assertThat(s.consume(newcomer.id()).nonce()).isEqualTo(newcomer.nonce());
    assertThat(s.size()).isLessThanOrEqualTo(101);
  }

  @Test
  void anUnattestedSessionLivesAMinuteAnAttestedOneTheFullTimeout() throws Exception {
    MutableClock clock = new MutableClock();
    Sessions s = new Sessions(clock, Duration.ofMinutes(5), 100);
    Sessions.Authed waiting = s.create("snp", "192.0.2.1");
    Sessions.Authed attested = s.create("snp", "192.0.2.1");
    s.consume(attested.id());
    s.attested(attested.id(), "token");
    assertThat(s.pending("192.0.2.1")).isEqualTo(1);
    clock.now = clock.now.plus(Sessions.PENDING_LIFETIME);
    assertThatThrownBy(() -> s.consume(waiting.id())).isInstanceOfSatisfying(KbsProblem.class, p -> assertThat(p.type()).isEqualTo("session-expired"));
    assertThat(s.get(attested.id())).isInstanceOf(Sessions.Attested.class);
    clock.now = clock.now.plus(Duration.ofMinutes(4)).minusSeconds(1);
    assertThat(s.get(attested.id())).isInstanceOf(Sessions.Attested.class);
    clock.now = clock.now.plusSeconds(1);
    assertThatThrownBy(() -> s.get(attested.id())).isInstanceOfSatisfying(KbsProblem.class, p -> assertThat(p.type()).isEqualTo("session-expired"));
    s.purgeExpired();
    assertThat(s.size()).isZero();
    assertThat(s.pending("192.0.2.1")).isZero();
  }
}
