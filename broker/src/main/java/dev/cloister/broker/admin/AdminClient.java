package dev.cloister.broker.admin;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Objects;

/**
 * A data owner talking to its own broker's admin API with its admin credential (bearer). Every
 * call answers the body of a 200 or throws {@link AdminException} naming what was asked, where,
 * and the broker's answer. One {@link HttpClient} for the process: each holds its own selector
 * thread and connection pool.
 */
public final class AdminClient {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final URI broker;
  private final String adminToken;

  public AdminClient(URI broker, String adminToken) {
    this.broker = Objects.requireNonNull(broker, "broker");
    this.adminToken = Objects.requireNonNull(adminToken, "adminToken");
  }

  /** A refusal or failure of one admin call; the message never holds the credential. */
  public static final class AdminException extends IOException {
    private final int status;

    AdminException(String message, int status, Throwable cause) {
      super(message, cause);
      this.status = status;
    }

    /** The HTTP status, or 0 when no answer came. */
    public int status() {
      return status;
    }
  }

  public URI broker() {
    return broker;
  }

  /** Registers (or replaces) the secret at {@code repo/type/tag}. */
  public void putResource(String path, byte[] secret) throws AdminException {
    send(request("/kbs/v0/resource/" + path).POST(HttpRequest.BodyPublishers.ofByteArray(secret)), "registering " + path);
  }

  public void deleteResource(String path) throws AdminException {
    send(request("/kbs/v0/resource/" + path).DELETE(), "revoking " + path);
  }

  /** Sets the CEL release policy of a resource, a repository, or {@code *} (the default). */
  public void putPolicy(String scope, String cel) throws AdminException {
    send(request("/kbs/v0/resource-policy/" + scope).PUT(HttpRequest.BodyPublishers.ofString(cel)), "setting the release policy of " + scope);
  }

  /** GET of an admin route, e.g. {@code /kbs/v0/audit/entries}; the body. */
  public String get(String path) throws AdminException {
    return send(request(path).GET(), "reading " + path);
  }

  /** POST of a text body to an admin route, e.g. {@code /kbs/v0/reference-value}; the body answered. */
  public String post(String path, String body) throws AdminException {
    return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)), "posting to " + path);
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(broker.resolve(path)).header("Authorization", "Bearer " + adminToken);
  }

  private String send(HttpRequest.Builder b, String what) throws AdminException {
    HttpResponse<String> r;
    try {
      r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.net.ConnectException | java.net.http.HttpConnectTimeoutException e) {
      // No answer at all: say so in words; the JDK's message is often empty and its class name means nothing to a user.
      throw new AdminException("cannot reach the broker at " + broker + " ("
          + (e instanceof java.net.http.HttpConnectTimeoutException ? "connection timed out" : "connection refused") + ") while " + what, 0, e);
    } catch (IOException e) {
      throw new AdminException(what + " at " + broker + ": " + (e.getMessage() == null ? "no answer" : e.getMessage()), 0, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminException(what + " at " + broker + ": interrupted", 0, e);
    }
    if (r.statusCode() != 200) {
      throw new AdminException(what + " at " + broker + ": HTTP " + r.statusCode() + " " + r.body(), r.statusCode(), null);
    }
    return r.body();
  }

  @Override
  public String toString() {
    return "AdminClient[" + broker + "]";
  }
}
