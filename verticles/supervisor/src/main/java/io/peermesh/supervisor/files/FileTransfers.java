package io.peermesh.supervisor.files;

import io.peermesh.shared.files.FileFrames;
import io.peermesh.shared.files.FileFrames.FileFrame;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Both halves of the file protocol on one supervised connection: frames arriving on {@code files} go to the
 * {@link FileReceiver} or the {@link FileSender}; frames that are not part of the protocol are left to the
 * caller, which delivers them as ordinary {@code files} messages.
 */
public final class FileTransfers {
  private static final Logger LOG = Logger.getLogger(FileTransfers.class.getName());

  private final FileSender sender;
  private final FileReceiver receiver;
  private long malformed;

  public FileTransfers(FileLimits limits, FileSender.Outbox outbox, Consumer<FileReceiver.ReceivedFile> onReceived,
      LongSupplier clockMillis) {
    this.sender = new FileSender(limits, outbox, clockMillis);
    this.receiver = new FileReceiver(limits, outbox::send, onReceived, clockMillis);
  }

  public FileSender sender() {
    return sender;
  }

  FileReceiver receiver() {
    return receiver;
  }

  /** A frame arrived on {@code files}; false when it is not part of the file protocol. */
  public boolean onFrame(byte[] raw) {
    Optional<FileFrame> parsed;
    try {
      parsed = FileFrames.parse(raw);
    } catch (FileFrames.FileFrameException e) {
      // A broken frame of the protocol is dropped, never delivered half-understood; the peer's resume logic
      // (re-offer, accept with what is held) repairs what it carried.
      malformed++;
      LOG.fine(() -> "malformed file frame (" + e.code() + "): " + e.getMessage());
      return true;
    }
    if (parsed.isEmpty()) {
      return false;
    }
    FileFrame frame = parsed.get();
    if (frame instanceof FileFrames.Chunk chunk) {
      receiver.onChunk(chunk);
    } else if (frame instanceof FileFrames.Offer offer) {
      receiver.onOffer(offer);
    } else if (frame instanceof FileFrames.End end) {
      receiver.onEnd(end.id());
    } else if (frame instanceof FileFrames.Accept accept) {
      sender.onAccept(accept);
    } else if (frame instanceof FileFrames.Result result) {
      sender.onResult(result);
    } else {
      FileFrames.Cancel cancel = (FileFrames.Cancel) frame;
      sender.onCancel(cancel);
      receiver.onCancel(cancel.id());
    }
    return true;
  }

  /** The link carries data again after a loss. */
  public void linkRecovered() {
    sender.linkRecovered();
  }

  /** Every second: silent transfers are offered again, old partials expire. */
  public void sweep(boolean linkUsable) {
    sender.sweep(linkUsable);
    receiver.sweep();
  }

  /** The remote left or the connection ends: uploads fail with {@code code}, downloads become partials. */
  public void remoteGone(String code) {
    sender.failAll(code);
    receiver.interruptAll();
  }

  public long malformedFrames() {
    return malformed;
  }

  public int uploads() {
    return sender.uploads();
  }

  public int downloads() {
    return receiver.downloads();
  }
}
