package io.peermesh.supervisor.files;

import io.vertx.core.json.JsonObject;

/**
 * Limits of the file protocol on one supervised connection ({@code supervisor.files}, conf/README.md). Both
 * sides hold a file in memory while it travels, so these bound memory too.
 *
 * @param maxFileBytes larger offers are cancelled with {@code file-too-large}, larger sends refused
 * @param maxIncomingFiles concurrent downloads from the remote ({@code busy} beyond)
 * @param maxIncomingBytes sum of the sizes of concurrent downloads ({@code busy} beyond)
 * @param chunkSize data bytes per chunk we send (the chunk header adds 25)
 * @param directory where received files are written, one file per transfer
 */
public record FileLimits(long maxFileBytes, int maxIncomingFiles, long maxIncomingBytes, int chunkSize,
    String directory) {
  /** A chunk must still fit a degraded-mode relay message under signaling's 64 KiB frame limit. */
  public static final int MAX_CHUNK = 46_000 - 25;

  public FileLimits {
    if (maxFileBytes < 0 || maxIncomingFiles < 1 || maxIncomingBytes < 0) {
      throw new IllegalArgumentException("file limits must be positive");
    }
    if (chunkSize < 1024 || chunkSize > MAX_CHUNK) {
      throw new IllegalArgumentException(
          "supervisor.files.chunkSize must be 1024.." + MAX_CHUNK + ", got " + chunkSize);
    }
  }

  public static FileLimits defaults() {
    return new FileLimits(256L << 20, 4, 512L << 20, 16_384,
        System.getProperty("java.io.tmpdir") + "/peermesh-files");
  }

  public static FileLimits from(JsonObject json) {
    FileLimits d = defaults();
    JsonObject j = json == null ? new JsonObject() : json;
    return new FileLimits(j.getLong("maxFileBytes", d.maxFileBytes()),
        j.getInteger("maxIncomingFiles", d.maxIncomingFiles()),
        j.getLong("maxIncomingBytes", d.maxIncomingBytes()), j.getInteger("chunkSize", d.chunkSize()),
        j.getString("directory") == null ? d.directory() : j.getString("directory"));
  }
}
