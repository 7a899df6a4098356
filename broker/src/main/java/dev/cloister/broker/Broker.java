package dev.cloister.broker;

import com.nimbusds.jose.jwk.ECKey;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.cloister.attestation.crypto.CryptoProviders;
import dev.cloister.attestation.tee.Context;
import dev.cloister.attestation.tee.SimulatedRoots;
import dev.cloister.attestation.tee.TeeFamilies;
import dev.cloister.attestation.tee.TeeFamily;
import dev.cloister.attestation.snp.verify.TrustAnchor;
import dev.cloister.broker.http.AnonymousRefusals;
import dev.cloister.broker.http.BrokerHttp;
import dev.cloister.broker.kbs.KbsService;
import dev.cloister.broker.kbs.Sessions;
import dev.cloister.broker.release.ReferenceValueStore;
import dev.cloister.broker.release.ReleasePolicies;
import dev.cloister.broker.store.BrokerStore;
import dev.cloister.broker.store.DataDirectoryLock;
import dev.cloister.broker.store.MasterKey;
import dev.cloister.broker.token.EarTokens;
import dev.cloister.ledger.SqlDatabase;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A running key broker: state from {@link BrokerInit}, the KBS protocol and admin API over HTTP (TLS
 * unless bound to loopback), every decision in the audit log.
 */
public final class Broker implements AutoCloseable {
  /**
   * How to run.
   *
   * @param simulated roots of simulated platforms (SEV-SNP, TDX, Nitro) to trust; used only with {@code allowSimulated}
   * @param tees the KBS {@code tee} families accepted (default: every registered family, see {@link TeeFamilies})
   * @param nitroRoots the AWS Nitro roots trusted for {@code tee: "nitro"} (default: the embedded G1 root)
   * @param intelPcs Intel PCS or a PCCS to fetch TDX/SGX collateral from; empty (the default) reads
   *     it offline from {@code <dataDir>/intel-collateral} (a directory of Intel PCS responses)
   * @param policies appraisal policy files by family ({@code broker serve --policy FAMILY=FILE}), in the
   *     format {@code attest verify --policy} reads; parsed at start (see {@link TeeFamilies#sessionPolicies})
   * @param requireCrl refuse SEV-SNP evidence (snp, az-snp-vtpm) unless a CRL signed by its ARK was
   *     checked: from {@code <dataDir>/kds-cache/vcek/v1/<product>/crl}
   */
  public record Options(
      Path dataDir,
      String bind,
      int port,
      Optional<Path> tlsCert,
      Optional<Path> tlsKey,
      boolean allowSimulated,
      SimulatedRoots simulated,
      Clock clock,
      Duration sessionTimeout,
      Duration tokenLifetime,
      Set<String> tees,
      List<X509Certificate> nitroRoots,
      Optional<URI> intelPcs,
      Map<String, Path> policies,
      boolean requireCrl) {
    public Options {
      policies = Map.copyOf(policies);
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(bind, "bind");
      Objects.requireNonNull(simulated, "simulated");
      tees = Set.copyOf(tees);
      nitroRoots = List.copyOf(nitroRoots);
      Objects.requireNonNull(intelPcs, "intelPcs");
      if (tlsCert.isPresent() != tlsKey.isPresent()) {
        throw new IllegalArgumentException("--tls-cert and --tls-key go together");
      }
    }

    /** Loopback, plain HTTP, every hardware TEE family, no simulation, 5-minute sessions and tokens. */
    public static Options loopback(Path dataDir, int port) {
      return new Options(dataDir, "127.0.0.1", port, Optional.empty(), Optional.empty(), false, SimulatedRoots.NONE, Clock.systemUTC(),
          Duration.ofMinutes(5), Duration.ofMinutes(5), java.util.Set.copyOf(TeeFamilies.names()), TeeFamilies.defaultNitroRoots(), Optional.empty(), Map.of(), false);
    }

    public Options withSimulation(List<TrustAnchor> anchors) {
      return withSimulation(SimulatedRoots.snp(anchors));
    }

    public Options withSimulation(SimulatedRoots roots) {
      return new Options(dataDir, bind, port, tlsCert, tlsKey, true, roots, clock, sessionTimeout, tokenLifetime, tees, nitroRoots, intelPcs, policies, requireCrl);
    }

    public Options withClock(Clock c) {
      return new Options(dataDir, bind, port, tlsCert, tlsKey, allowSimulated, simulated, c, sessionTimeout, tokenLifetime, tees, nitroRoots, intelPcs, policies, requireCrl);
    }

    /** Accept only these KBS {@code tee} families. */
    public Options withTees(Set<String> t) {
      return new Options(dataDir, bind, port, tlsCert, tlsKey, allowSimulated, simulated, clock, sessionTimeout, tokenLifetime, t, nitroRoots, intelPcs, policies, requireCrl);
    }

    /** Fetch Intel collateral from this PCS or PCCS instead of reading it offline. */
    public Options withIntelPcs(URI pcs) {
      return new Options(dataDir, bind, port, tlsCert, tlsKey, allowSimulated, simulated, clock, sessionTimeout, tokenLifetime, tees, nitroRoots, Optional.of(pcs), policies, requireCrl);
    }

    /** Appraise each named family with the policy file given for it. */
    public Options withPolicies(Map<String, Path> files) {
      return new Options(dataDir, bind, port, tlsCert, tlsKey, allowSimulated, simulated, clock, sessionTimeout, tokenLifetime, tees, nitroRoots, intelPcs, files, requireCrl);
    }

    /** Require a checked AMD CRL for SEV-SNP evidence. */
    public Options withRequiredCrl() {
      return new Options(dataDir, bind, port, tlsCert, tlsKey, allowSimulated, simulated, clock, sessionTimeout, tokenLifetime, tees, nitroRoots, intelPcs, policies, true);
    }

    /** Trust these Nitro roots instead of the embedded AWS root. */
    public Options withNitroRoots(List<X509Certificate> roots) {
      return new Options(dataDir, bind, port, tlsCert, tlsKey, allowSimulated, simulated, clock, sessionTimeout, tokenLifetime, tees, roots, intelPcs, policies, requireCrl);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final ScheduledExecutorService janitor;
  private final BrokerStore store;
  private final BrokerAudit audit;
  private final URI uri;
  private final Map<String, String> unreleasable;
  private final DataDirectoryLock dirLock;
  private final AnonymousRefusals refusals;

  /**
   * The JDK HTTP server's own limits, which are JVM-wide system properties read once, when the
   * first server of the process starts; an operator's {@code -D} setting wins. Seconds for times.
   * A request (headers and body) must arrive within {@code maxReqTime}, so a client sending slowly
   * is cut off; a connection that sends nothing is closed after the same time; the response must be
   * done within {@code maxRspTime}; at most {@code maxConnections} connections are open (beyond,
   * new ones are closed at once); headers are at most 64 KiB (the JDK's default is 380 KiB).
   */
  static final Map<String, String> HTTP_SERVER_LIMITS = Map.of(
      "sun.net.httpserver.maxReqTime", "20",
      "sun.net.httpserver.maxRspTime", "60",
      "jdk.httpserver.maxConnections", "512",
      "sun.net.httpserver.maxReqHeaderSize", Integer.toString(64 << 10));

  private static void applyHttpServerLimits() {
    HTTP_SERVER_LIMITS.forEach((k, v) -> {
      if (System.getProperty(k) == null) {
        System.setProperty(k, v);
      }
    });
  }

  private Broker(HttpServer server, ExecutorService executor, ScheduledExecutorService janitor, BrokerStore store, BrokerAudit audit, URI uri,
      Map<String, String> unreleasable, DataDirectoryLock dirLock, AnonymousRefusals refusals) {
    this.refusals = refusals;
    this.dirLock = dirLock;
    this.unreleasable = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(unreleasable));
    this.server = server;
    this.executor = executor;
    this.janitor = janitor;
    this.store = store;
    this.audit = audit;
    this.uri = uri;
  }

  public static Broker start(Options o) throws IOException, GeneralSecurityException, SQLException {
    CryptoProviders.install(); // before any key is parsed, so keys and engines come from one provider
    InetAddress address = InetAddress.getByName(o.bind());
    boolean tls = o.tlsCert().isPresent();
    if (!tls && !address.isLoopbackAddress()) {
      throw new IllegalArgumentException("plain HTTP is allowed only on loopback; bind " + o.bind() + " needs --tls-cert and --tls-key");
    }
    if (!Files.isRegularFile(o.dataDir().resolve(MasterKey.FILE))) {
      throw new IllegalArgumentException(o.dataDir() + " holds no broker: run 'cloister broker init --data-dir " + o.dataDir() + "' first");
    }
    // Which TEE families this broker accepts, and the roots they trust: decided here, once.
    var teePolicies = TeeFamilies.sessionPolicies(o.policies(), o.tees());
    Map<String, TeeFamily> families = TeeFamilies.enabled(o.tees());
    Context.Builder context = Context.builder().clock(o.clock()).kdsCache(o.dataDir().resolve("kds-cache")).requireCrl(o.requireCrl())
        .allowSimulated(o.allowSimulated()).simulated(o.allowSimulated() ? o.simulated() : SimulatedRoots.NONE).nitroRoots(o.nitroRoots())
        .policies(teePolicies);
    if (o.intelPcs().isPresent()) {
      context.intelPcs(o.intelPcs().get());
    } else {
      context.collateralDirectory(o.dataDir().resolve("intel-collateral"));
    }
    // Before the database is opened: a second broker on this directory refuses here, in one line.
    DataDirectoryLock dirLock = DataDirectoryLock.acquire(o.dataDir());
    SqlDatabase database;
    BrokerStore store;
    try {
      MasterKey master = MasterKey.load(o.dataDir());
      database = BrokerStore.database(o.dataDir());
      store = BrokerStore.open(database, master, o.clock());
    } catch (IOException | GeneralSecurityException | SQLException | RuntimeException e) {
      dirLock.close();
      throw e;
    }
    BrokerAudit audit = null;
    try {
      ECKey signingKey;
      try {
        signingKey = ECKey.parse(new String(
            store.secretSetting(BrokerInit.SIGNING_KEY).orElseThrow(() -> new GeneralSecurityException("no token-signing key in the database")),
            StandardCharsets.UTF_8));
      } catch (ParseException e) {
        throw new GeneralSecurityException("stored token-signing key does not parse");
      }
      if (!store.initialised()) {
        throw new IllegalArgumentException(database + " holds no broker: run 'cloister broker init' first");
      }
      audit = BrokerAudit.open(database, store, o.clock(), o.allowSimulated());

      applyHttpServerLimits();
      HttpServer server = tls ? HttpsServer.create(new InetSocketAddress(address, o.port()), 256)
          : HttpServer.create(new InetSocketAddress(address, o.port()), 256);
      if (server instanceof HttpsServer https) {
        https.setHttpsConfigurator(new HttpsConfigurator(Tls.context(o.tlsCert().get(), o.tlsKey().get())));
      }
      int port = server.getAddress().getPort();
      String host = address.getHostAddress().contains(":") ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
      URI uri = URI.create((tls ? "https" : "http") + "://" + host + ":" + port);

      EarTokens tokens = new EarTokens(signingKey, uri.toString(), o.clock(), o.tokenLifetime());
      ReferenceValueStore referenceValues = new ReferenceValueStore(store, o.clock(), audit);
      ReleasePolicies policies = new ReleasePolicies(store, referenceValues, audit);
      Map<String, String> unreleasable = policies.unreleasable();
      Sessions sessions = new Sessions(o.clock(), o.sessionTimeout(), 100_000);
      KbsService kbs = new KbsService(sessions, families, context.build(), tokens, policies, store, audit, o.allowSimulated());
      PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      metrics.gauge("kbs_sessions_open", sessions, Sessions::size);
      AnonymousRefusals refusals = new AnonymousRefusals(o.clock(), audit::anonymousRefusals);
      new BrokerHttp(kbs, store, policies, referenceValues, tokens, audit, audit, metrics, tls, o.sessionTimeout().toSeconds(), refusals).register(server);
      ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
      server.setExecutor(executor);
      ScheduledExecutorService janitor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kbs-session-janitor");
        t.setDaemon(true);
        return t;
      });
      janitor.scheduleAtFixedRate(sessions::purgeExpired, 10, 10, TimeUnit.SECONDS);
      janitor.scheduleWithFixedDelay(() -> flushRefusals(refusals, false), 5, 5, TimeUnit.SECONDS);
      server.start();
      audit.adminChange("broker.start", (o.allowSimulated() ? "allow-simulated " : "") + "tee=" + String.join(",", families.keySet()) + " " + uri
          + (o.policies().isEmpty() ? "" : " policy=" + String.join(",", new java.util.TreeSet<>(o.policies().keySet())))
          + (o.requireCrl() ? " require-crl" : "")
          + (unreleasable.isEmpty() ? "" : " unpinned=" + String.join(",", unreleasable.keySet())));
      return new Broker(server, executor, janitor, store, audit, uri, unreleasable, dirLock, refusals);
    } catch (IOException | GeneralSecurityException | SQLException | RuntimeException e) {
      if (audit != null) {
        audit.close();
      }
      store.close();
      dirLock.close();
      throw e;
    }
  }

  public URI uri() {
    return uri;
  }

  /**
   * The resources stored at start that no policy would release (no policy covers them, or theirs
   * pins no workload), each with why; {@code broker serve} lists them.
   */
  public Map<String, String> unreleasableAtStart() {
    return unreleasable;
  }

  /** Writes the anonymous refusals counted so far, every window included (tests; {@link #close} does it too). */
  void flushAnonymousRefusals() {
    flushRefusals(refusals, true);
  }

  private static void flushRefusals(AnonymousRefusals refusals, boolean all) {
    try {
      refusals.flush(all);
    } catch (RuntimeException e) {
      // Kept for the next flush; a scheduled task that threw would never run again.
      System.err.println("cloister broker: anonymous refusals not yet logged: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    server.stop(0);
    janitor.shutdownNow();
    executor.shutdownNow();
    flushRefusals(refusals, true);
    audit.close();
    try {
      store.close();
    } catch (SQLException e) {
      // closing: nothing left to protect
    }
    dirLock.close();
  }
}
