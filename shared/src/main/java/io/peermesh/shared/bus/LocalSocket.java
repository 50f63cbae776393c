package io.peermesh.shared.bus;

import io.vertx.core.eventbus.DeliveryOptions;

/**
 * A signaling socket carried by the local event bus (see {@link Addresses.Signaling#localSocket(int)}): a
 * supervisor and the signaling service of the same node would otherwise hold a loopback WebSocket each way,
 * two file descriptors, Netty buffers and a frame encode and decode per message. Frames are String sends, in
 * order (one sender, one consumer); this class holds the delivery options both ends use. Each end sends one
 * close; the end that closed first listens (dropping frames) until the other's close arrives or
 * {@link #CLOSE_WAIT_MS} passed, so no frame in flight reaches an address nobody listens on.
 */
public final class LocalSocket {
  /** Header of the send that closes the socket; its value is the close code, the body the reason. */
  public static final String CLOSE_HEADER = "peermesh-close";

  /** How long an end that closed first waits for the other's close before it stops listening. */
  public static final long CLOSE_WAIT_MS = 5_000;

  private static final DeliveryOptions FRAME = new DeliveryOptions().setLocalOnly(true);

  private LocalSocket() {}

  /** Options of a frame: local only, since the consumers are never registered with the cluster. */
  public static DeliveryOptions frame() {
    return FRAME;
  }

  /**
   * Options of the close with {@code code} (a WebSocket close code). A close may be sent as a request: the
   * other end replies once it has handled it (after its own answering close), within {@link #CLOSE_WAIT_MS}.
   */
  public static DeliveryOptions close(short code) {
    return new DeliveryOptions().setLocalOnly(true).setSendTimeout(CLOSE_WAIT_MS)
        .addHeader(CLOSE_HEADER, Short.toString(code));
  }

  /** Options of the connect request; {@code timeoutMs} bounds the wait for the signaling verticle. */
  public static DeliveryOptions connect(long timeoutMs) {
    return new DeliveryOptions().setLocalOnly(true).setSendTimeout(timeoutMs);
  }
}
