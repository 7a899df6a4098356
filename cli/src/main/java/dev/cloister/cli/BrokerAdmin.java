package dev.cloister.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A data owner talking to its own broker's admin API with its admin credential. */
record BrokerAdmin(URI broker, String adminToken) {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private void send(HttpRequest.Builder b, String what) throws IOException {
    try {
      HttpResponse<String> r = HTTP.send(b.header("Authorization", "Bearer " + adminToken).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException(what + " at " + broker + ": HTTP " + r.statusCode() + " " + r.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  void putResource(String path, byte[] secret) throws IOException {
    send(HttpRequest.newBuilder(broker.resolve("/kbs/v0/resource/" + path)).POST(HttpRequest.BodyPublishers.ofByteArray(secret)),
        "registering " + path);
  }

  void deleteResource(String path) throws IOException {
    send(HttpRequest.newBuilder(broker.resolve("/kbs/v0/resource/" + path)).DELETE(), "revoking " + path);
  }

  void putPolicy(String scope, String cel) throws IOException {
    send(HttpRequest.newBuilder(broker.resolve("/kbs/v0/resource-policy/" + scope)).PUT(HttpRequest.BodyPublishers.ofString(cel)),
        "setting the release policy of " + scope);
  }
}
