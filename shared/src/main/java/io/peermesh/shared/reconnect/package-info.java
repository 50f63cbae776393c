/**
 * Server-side reconnection of one WebRTC peer connection: a pure state machine, its backoff policy and a
 * small mutable controller. No Vert.x here; a verticle feeds events in and executes the effects.
 *
 * <p>Recovery ladder after CONNECTED loses its transport:
 * <ol>
 *   <li>DISCONNECTED for {@code graceDelayMs}: libwebrtc often recovers alone; Connected returns to CONNECTED.
 *   <li>ICE_RESTARTING, up to {@code iceRestartAttempts}: same peer connection, channels survive.
 *   <li>RELAY_ONLY, up to {@code relayAttempts}, only when {@code relayAvailable}: TURN relay only.
 *   <li>RECONNECTING, up to {@code newConnectionAttempts}: brand-new peer connection and channels.
 *   <li>DEGRADED (or FAILED when {@code degradedAllowed} is false): messages over signaling; probes every
 *       {@code probeIntervalMs} try to upgrade back.
 * </ol>
 * Every failed attempt goes through BACKOFF (full-jitter exponential delay) unless the ladder is exhausted;
 * the {@link io.peermesh.shared.reconnect.BackoffPolicy} may end the recovery in FAILED first (attempt or
 * elapsed-time limit). A failed first connect (CONNECTING) joins the ladder after the ICE restart rung.
 * Connected in any recovering state returns to CONNECTED and resets the budgets. Close leads to CLOSED from
 * any non-terminal state.
 *
 * <p>Driving it from a verticle: {@code fire} events (timers via {@code ScheduleTimer.firedEvent()}, peer
 * connection callbacks via {@code transportUp()/transportDown()}) and execute the returned effects in order.
 */
package io.peermesh.shared.reconnect;
