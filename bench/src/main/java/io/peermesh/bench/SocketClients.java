package io.peermesh.bench;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client side of the socket benchmarks, in its own JVM (file descriptors are capped per process, and a
 * node's sockets are what is measured). Opens {@code count} WebSockets to a server, joins rooms when the
 * server speaks our protocol ({@code ours}) or just connects ({@code plain}), prints
 * {@code ready <connected> <joined> <failed>}, then obeys stdin: {@code check} prints {@code alive <n>} (sockets
 * answering a ping), {@code go <sockets> <window> <warmMs> <measureMs>} relays messages between pairs of the first sockets and prints
 * {@code rate <delivered per second>}, {@code stop} exits.
 *
 * <p>Usage: {@code SocketClients ours|plain <port> <count> <peersPerRoom>}
 */
public final class SocketClients {
  private static final int CONNECTING_AT_ONCE = 256;
  private final Vertx vertx = Vertx.vertx();
  private final boolean ours;
  private final int port;
  private final int count;
  private final int perRoom;
  private final WebSocketClient client;
  /** Open sockets with the relay message each sends to its partner (socket i pairs with i ^ 1). */
  private final Map<ClientWebSocket, String> open = new ConcurrentHashMap<>();
  /** Sockets by index, for relaying on the first few. */
  private final ClientWebSocket[] byIndex;
  private final AtomicInteger connected = new AtomicInteger();
  private final AtomicInteger joined = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicBoolean relaying = new AtomicBoolean();
  private volatile CountDownLatch checked = new CountDownLatch(0);
  private final CountDownLatch settled;

  private SocketClients(boolean ours, int port, int count, int perRoom) {
    this.ours = ours;
    this.port = port;
    this.count = count;
    this.perRoom = perRoom;
    this.settled = new CountDownLatch(count);
    this.byIndex = new ClientWebSocket[count];
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(count + 100)
        .setConnectTimeout(30_000));
  }

  public static void main(String[] args) throws Exception {
    SocketClients clients = new SocketClients(args[0].equals("ours"), Integer.parseInt(args[1]),
        Integer.parseInt(args[2]), Integer.parseInt(args[3]));
    clients.openAll();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null && !line.equals("stop"); line = in.readLine()) {
      String[] words = line.split(" ");
      if (words[0].equals("check")) {
        System.out.println("alive " + clients.check());
      } else if (words[0].equals("go")) {
        System.out.println("rate " + clients.relay(Integer.parseInt(words[1]), Integer.parseInt(words[2]),
            Long.parseLong(words[3]), Long.parseLong(words[4])));
      }
    }
    System.exit(0);
  }

  private void openAll() throws InterruptedException {
    // Our protocol wants a ping every heartbeatMs (5 s), or the node closes the socket as idle.
    if (ours) {
      vertx.setPeriodic(4_000, id -> open.keySet().forEach(ws -> ws.writeTextMessage("{\"type\":\"ping\"}")));
    }
    for (int i = 0; i < Math.min(CONNECTING_AT_ONCE, count); i++) {
      openNext();
    }
    if (!settled.await(10, TimeUnit.MINUTES)) {
      System.err.println("clients: not every socket settled within 10 minutes");
    }
    System.out.println("ready " + connected.get() + " " + (ours ? joined.get() : connected.get()) + " " + failed.get());
  }

  /** Opens the next socket; when it settles (joined, connected, or failed), the next one starts. */
  private void openNext() {
    int i = next.getAndIncrement();
    if (i >= count) {
      return;
    }
    Promise<Void> done = Promise.promise();
    done.future().onComplete(ar -> {
      if (ar.failed()) {
        failed.incrementAndGet();
      }
      settled.countDown();
      openNext();
    });
    ClientWebSocket ws = client.webSocket();
    String relay = "{\"type\":\"relay\",\"to\":\"p-" + (i ^ 1) + "\",\"channel\":\"code-sync\",\"data\":\""
        + Base64.getEncoder().encodeToString(new byte[96]) + "\"}";
    ws.textMessageHandler(text -> onText(ws, text, relay, done));
    ws.pongHandler(b -> checked.countDown());
    ws.closeHandler(v -> {
      open.remove(ws);
      done.tryFail("closed");
    });
    ws.connect(port, "127.0.0.1", "/signal").onComplete(ar -> {
      if (ar.failed()) {
        done.tryFail(ar.cause());
        return;
      }
      connected.incrementAndGet();
      open.put(ws, relay);
      byIndex[i] = ws;
      if (ours) {
        ws.writeTextMessage("{\"type\":\"join\",\"v\":1,\"room\":\"r-" + (i / perRoom) + "\",\"peer\":\"p-" + i + "\"}");
      } else {
        done.tryComplete();
      }
    });
  }

  private void onText(ClientWebSocket ws, String text, String relay, Promise<Void> done) {
    if (!ours || text.contains("\"type\":\"relay\"")) {
      if (relaying.get()) {
        delivered.incrementAndGet();
        ws.writeTextMessage(relay);
      }
    } else if (text.contains("\"type\":\"joined\"")) {
      joined.incrementAndGet();
      done.tryComplete();
    } else if (text.contains("\"ref\":\"check\"")) {
      checked.countDown();
    } else if (text.contains("\"type\":\"error\"")) {
      System.err.println("clients: " + text);
      done.tryFail(text);
    }
  }

  /** Sockets answering one ping (ours: a protocol ping; plain: a WebSocket ping frame) within 20 s. */
  private long check() throws InterruptedException {
    List<ClientWebSocket> asked = List.copyOf(open.keySet());
    CountDownLatch answers = new CountDownLatch(asked.size());
    checked = answers;
    for (ClientWebSocket ws : asked) {
      if (ours) {
        ws.writeTextMessage("{\"type\":\"ping\",\"id\":\"check\"}");
      } else {
        ws.writePing(Buffer.buffer("p"));
      }
    }
    answers.await(20, TimeUnit.SECONDS);
    return asked.size() - answers.getCount();
  }

  /**
   * The first {@code sockets} sockets each send {@code window} messages to their partners; every delivery is
   * answered by the socket that receives it, so the messages in flight stay constant. Returns deliveries per
   * second.
   */
  private double relay(int sockets, int window, long warmMs, long measureMs) throws InterruptedException {
    relaying.set(true);
    for (int i = 0; i < Math.min(sockets, count); i++) {
      ClientWebSocket ws = byIndex[i];
      String relay = ws == null ? null : open.get(ws);
      for (int k = 0; relay != null && k < window; k++) {
        ws.writeTextMessage(relay);
      }
    }
    Thread.sleep(warmMs); // a fixed warm-up window
    long d0 = delivered.get();
    long t0 = System.nanoTime();
    Thread.sleep(measureMs); // a fixed measurement window
    long d1 = delivered.get();
    long t1 = System.nanoTime();
    relaying.set(false);
    return (d1 - d0) / ((t1 - t0) / 1e9);
  }
}
