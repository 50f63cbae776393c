package io.peermesh.supervisor;

import io.peermesh.shared.channel.DelayPacer;
import io.vertx.core.json.JsonObject;

/**
 * Typed {@code supervisor} config section (defaults documented in conf/README.md).
 *
 * @param heartbeatMs how often a heartbeat goes out on {@code presence}
 * @param deadAfterMs silence after which the path counts as lost: three missed heartbeats (1.5 s), so a cut is
 *     noticed within 2 s where libwebrtc alone needs ~5-6 s
 * @param resendMaxMessages bound of each sequenced channel's resend buffer (messages)
 * @param resendMaxBytes bound of each sequenced channel's resend buffer (bytes)
 * @param queueMaxMessages bound of each other channel's send queue
 * @param highWaterBytes a channel's bufferedAmount above which sending pauses (far below the ~16 MiB at
 *     which libwebrtc closes a channel silently)
 * @param lowPriorityHighWaterBytes the same for the low-priority {@code files} channel, smaller so bulk data
 *     does not queue ahead of critical messages in the shared SCTP association
 * @param ackEveryMessages a receiver acknowledges after this many sequenced messages (or {@code ackDelayMs})
 * @param ackDelayMs the longest a delivered message waits for its acknowledgement
 * @param tcpCandidates gather ICE-TCP candidates (off: with a shared factory they re-gather without end)
 * @param filesPacing pace {@code files} by the queueing delay it causes, measured with probes on presence
 * @param filesDelayTargetMicros the queueing delay the files pacer aims at (or the least round trip, if larger)
 */
public record SupervisorOptions(long heartbeatMs, long deadAfterMs, int resendMaxMessages, long resendMaxBytes,
    int queueMaxMessages, long highWaterBytes, long lowPriorityHighWaterBytes, int ackEveryMessages,
    long ackDelayMs, boolean tcpCandidates, boolean filesPacing, long filesDelayTargetMicros) {

  public static SupervisorOptions defaults() {
    return new SupervisorOptions(500, 1_500, 100_000, 64L << 20, 10_000, 1L << 20, 256L << 10, 64, 20, false,
        true, 250);
  }

  public static SupervisorOptions from(JsonObject json) {
    SupervisorOptions d = defaults();
    JsonObject j = json == null ? new JsonObject() : json;
    return new SupervisorOptions(
        j.getLong("heartbeatMs", d.heartbeatMs()),
        j.getLong("deadAfterMs", d.deadAfterMs()),
        j.getInteger("resendMaxMessages", d.resendMaxMessages()),
        j.getLong("resendMaxBytes", d.resendMaxBytes()),
        j.getInteger("queueMaxMessages", d.queueMaxMessages()),
        j.getLong("highWaterBytes", d.highWaterBytes()),
        j.getLong("lowPriorityHighWaterBytes", d.lowPriorityHighWaterBytes()),
        j.getInteger("ackEveryMessages", d.ackEveryMessages()),
        j.getLong("ackDelayMs", d.ackDelayMs()),
        j.getBoolean("tcpCandidates", d.tcpCandidates()),
        j.getBoolean("filesPacing", d.filesPacing()),
        j.getLong("filesDelayTargetMicros", d.filesDelayTargetMicros()));
  }

  /** The files pacer's tuning: the target from this config, the rest fixed (DelayPacer.Settings). */
  public DelayPacer.Settings pacerSettings() {
    DelayPacer.Settings d = DelayPacer.Settings.defaults();
    return new DelayPacer.Settings(filesDelayTargetMicros * 1_000, d.criticalQuietNanos(), d.probeEveryNanos(),
        d.probeTimeoutNanos(), d.minRateBytesPerSecond(), d.initialRateBytesPerSecond(), d.baseWindowNanos(),
        d.drainEveryNanos());
  }

  public JsonObject toJson() {
    return new JsonObject().put("heartbeatMs", heartbeatMs).put("deadAfterMs", deadAfterMs)
        .put("resendMaxMessages", resendMaxMessages).put("resendMaxBytes", resendMaxBytes)
        .put("queueMaxMessages", queueMaxMessages).put("highWaterBytes", highWaterBytes)
        .put("lowPriorityHighWaterBytes", lowPriorityHighWaterBytes).put("ackEveryMessages", ackEveryMessages)
        .put("ackDelayMs", ackDelayMs).put("tcpCandidates", tcpCandidates).put("filesPacing", filesPacing)
        .put("filesDelayTargetMicros", filesDelayTargetMicros);
  }
}
