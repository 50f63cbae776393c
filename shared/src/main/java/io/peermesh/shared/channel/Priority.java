package io.peermesh.shared.channel;

/** How urgent a channel's traffic is; the supervisor maps it to the SCTP stream priority and paces by it. */
public enum Priority { CRITICAL, HIGH, NORMAL, LOW }
