package io.peermesh.shared.bus;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.Optional;

/** The live cluster members the node keeps in its local map ({@link Addresses.Node#MEMBERS_KEY}). */
public final class ClusterMembers {
  private ClusterMembers() {}

  /** Node ids of the live members, this node's included; empty when this Vert.x is not clustered. */
  public static Optional<List<String>> live(Vertx vertx) {
    Object members = vertx.sharedData().getLocalMap(Addresses.Node.LOCAL_MAP).get(Addresses.Node.MEMBERS_KEY);
    return members instanceof JsonArray list
        ? Optional.of(list.stream().map(String::valueOf).toList()) : Optional.empty();
  }
}
