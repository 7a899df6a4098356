package dev.cloister.broker;

import dev.cloister.enclave.simulated.SimulatedSnpPlatform;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/** A broker in its own JVM, for the kill -9 test: args are the data dir and the simulated platform dir. */
public final class BrokerProcessMain {
  private BrokerProcessMain() {}

  public static void main(String[] args) throws Exception {
    var anchor = SimulatedSnpPlatform.trustAnchorIn(Path.of(args[1]));
    Broker b = Broker.start(Broker.Options.loopback(Path.of(args[0]), 0).withSimulation(List.of(anchor)).withClock(Clock.systemUTC()));
    System.out.println("PORT " + b.uri().getPort());
    System.out.flush();
    new java.util.concurrent.CountDownLatch(1).await(); // run until the test kills this process
  }
}
