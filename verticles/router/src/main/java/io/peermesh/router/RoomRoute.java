package io.peermesh.router;

import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One room's routed connections on this node and the local consumers of its supervisors' messages; gone with
 * its last target.
 */
final class RoomRoute {
  final String room;
  final Map<String, TargetPump> targets = new LinkedHashMap<>();
  private final List<MessageConsumer<?>> consumers;
  /**
   * Completes once the consumers are registered and every other router has answered this node's announcement of
   * the room once (or failed to; see ChannelRouterVerticle#announce).
   */
  Future<Void> ready;

  RoomRoute(String room, List<MessageConsumer<?>> consumers) {
    this.room = room;
    this.consumers = List.copyOf(consumers);
    this.ready = Future.all(this.consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  Future<Void> unregister() {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }
}
