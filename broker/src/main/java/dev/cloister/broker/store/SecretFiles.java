package dev.cloister.broker.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Files that hold secrets: created owner-only (0600) and never overwritten. */
public final class SecretFiles {
  private SecretFiles() {}

  public static void writeNew(Path file, byte[] content) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file); // not a POSIX file system: the platform's defaults apply
    }
    Files.write(file, content);
  }
}
