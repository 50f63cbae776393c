package io.peermesh.supervisor;

import io.peermesh.shared.bus.Addresses;
import io.peermesh.shared.bus.BusMessages.FileReceived;
import io.peermesh.shared.bus.BusMessages.FileSend;
import io.peermesh.shared.bus.BusMessages.FileSendResult;
import io.peermesh.shared.bus.BusMessages.SupervisorRequest;
import io.peermesh.shared.channel.ChannelSpec;
import io.peermesh.supervisor.files.FileLimits;
import io.peermesh.supervisor.files.FileReceiver;
import io.peermesh.supervisor.files.FileReceiver.ReceivedFile;
import io.peermesh.supervisor.files.FileSender;
import io.peermesh.supervisor.files.FileTransfers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * Files on one supervised connection: answers {@code send-file} requests with the file protocol on the
 * {@code files} channel, and writes every verified download to {@code supervisor.files.directory} before
 * announcing it on the room's {@code files-received} address. Hashing and disk writes run off the event loop.
 */
final class FileEndpoint {
  private static final Logger LOG = Logger.getLogger(FileEndpoint.class.getName());

  private final Vertx vertx;
  private final FileLimits limits;
  private final SupervisorRequest request;
  private final String connectionId;
  private final String nodeId;
  private final BooleanSupplier open;
  private final Runnable kick;
  private final FileTransfers transfers;
  private MessageConsumer<FileSend> consumer;

  /**
   * {@code open}: false once the connection is closing or failed (new sends are refused); {@code kick} starts
   * the supervisor's short timer when a transfer begins.
   */
  FileEndpoint(Vertx vertx, ChannelMux mux, FileLimits limits, SupervisorRequest request, String connectionId,
      String nodeId, BooleanSupplier open, Runnable kick) {
    this.kick = kick;
    this.vertx = vertx;
    this.limits = limits;
    this.request = request;
    this.connectionId = connectionId;
    this.nodeId = nodeId;
    this.open = open;
    FileSender.Outbox outbox = new FileSender.Outbox() {
      @Override
      public boolean send(byte[] frame) {
        return mux.offer(ChannelSpec.FILES, frame) == ChannelMux.Refusal.NONE;
      }

      @Override
      public int queued() {
        return mux.queued(ChannelSpec.FILES);
      }
    };
    this.transfers = new FileTransfers(limits, outbox, this::received, System::currentTimeMillis);
  }

  Future<Void> register() {
    consumer = vertx.eventBus().consumer(Addresses.Supervisor.sendFile(connectionId), this::onSendFile);
    return consumer.completion();
  }

  Future<Void> unregister() {
    transfers.remoteGone("closed");
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** A frame on {@code files}; false when it is an ordinary message, not part of the file protocol. */
  boolean onFrame(byte[] raw) {
    return transfers.onFrame(raw);
  }

  void pump() {
    transfers.sender().pump();
  }

  boolean sending() {
    return transfers.sender().sending();
  }

  void linkRecovered() {
    transfers.linkRecovered();
  }

  void sweep(boolean linkUsable) {
    transfers.sweep(linkUsable);
  }

  void remoteGone(String code) {
    transfers.remoteGone(code);
  }

  private void onSendFile(Message<FileSend> msg) {
    FileSend file = msg.body();
    if (!open.getAsBoolean()) {
      msg.reply(new FileSendResult(null, false, null, "closed"));
      return;
    }
    if (file.data() == null || file.data().length > limits.maxFileBytes()) {
      msg.reply(new FileSendResult(null, false, null, "file-too-large"));
      return;
    }
    vertx.executeBlocking(() -> sha256(file.data()), false).onSuccess(sha256 -> {
      if (!open.getAsBoolean()) {
        msg.reply(new FileSendResult(null, false, sha256, "closed"));
        return;
      }
      transfers.sender().send(file.name(), file.type(), file.data(), sha256,
          outcome -> msg.reply(new FileSendResult(outcome.id(), outcome.ok(), outcome.sha256(), outcome.code())));
      kick.run();
    });
  }

  private void received(ReceivedFile file) {
    if (!file.ok()) {
      LOG.warning(connectionId + ": file " + file.id() + " from " + request.remote() + " failed its checksum");
      announce(file, null);
      return;
    }
    Path path = Path.of(limits.directory(), connectionId + "-" + file.id());
    // Chunk by chunk on a worker: a file of up to maxFileBytes is never copied into one buffer on the event loop.
    vertx.executeBlocking(() -> {
      Files.createDirectories(path.getParent());
      try (OutputStream out = Files.newOutputStream(path)) {
        for (byte[] chunk : file.chunks()) {
          out.write(chunk);
        }
      }
      return path.toString();
    }, false)
        .onSuccess(written -> announce(file, written))
        .onFailure(e -> LOG.warning(connectionId + ": writing " + path + " failed: " + e.getMessage()));
  }

  private void announce(ReceivedFile file, String path) {
    vertx.eventBus().publish(Addresses.Supervisor.filesReceived(request.room()), new FileReceived(request.room(),
        connectionId, request.remote(), file.id(), file.name(), file.type(), file.size(), file.sha256(), file.ok(),
        nodeId, path));
  }

  static String sha256(byte[] data) {
    return HexFormat.of().formatHex(FileReceiver.sha256Digest().digest(data));
  }
}
