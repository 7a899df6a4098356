package dev.cloister.broker.store;

import java.util.regex.Pattern;

/**
 * A KBS resource path {@code <repository>/<type>/<tag>}. Each segment is 1-128 characters of
 * {@code [A-Za-z0-9._-]}, not {@code .} or {@code ..}, so a path can never escape its namespace or
 * smuggle separators.
 */
public record ResourcePath(String repository, String type, String tag) {
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  public ResourcePath {
    check(repository, "repository");
    check(type, "type");
    check(tag, "tag");
  }

  private static void check(String s, String name) {
    if (s == null || !SEGMENT.matcher(s).matches() || s.equals(".") || s.equals("..")) {
      throw new IllegalArgumentException("resource " + name + " must be 1-128 characters of A-Z a-z 0-9 . _ - (not . or ..)");
    }
  }

  /** Parses {@code repo/type/tag}. */
  public static ResourcePath parse(String path) {
    String[] parts = path.split("/", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException("resource path must be <repository>/<type>/<tag>");
    }
    return new ResourcePath(parts[0], parts[1], parts[2]);
  }

  @Override
  public String toString() {
    return repository + "/" + type + "/" + tag;
  }
}
