package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.airelay.ScriptedChatServer;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The demo page in real Chromium asks the AI relay's bot (a real webrtc-java peer) and shows the streamed answer;
 * reloaded in the middle of a long answer, it resumes from the piece it holds: every piece once, in order.
 */
class BrowserAiTest {
  private static final String ROOM = "ai-browser";
  private static final String BOT = "ai-assistant-" + ROOM;
  private static final String AWAIT_CONNECTED = "const [other, done] = arguments;"
      + "const check = () => { const p = window.peermesh && window.peermesh.peer(other);"
      + "  p && p.state === 'connected' ? done(p.state) : setTimeout(check, 25); };"
      + "check();";
  private static final String AWAIT_OUTPUT = "const [wanted, done] = arguments;"
      + "const check = () => { const o = document.querySelector('[data-testid=ai-output]');"
      + "  o && o.textContent.includes(wanted) ? done(o.textContent) : setTimeout(check, 25); };"
      + "check();";
  private static final String ASK = "const e = document.querySelector('[data-testid=ai-prompt]');"
      + "e.value = arguments[0]; document.querySelector('[data-testid=ai-send]').click();";

  @Test
  void thePageAsksTheBotAndResumesTheAnswerAfterAReload() throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    Assumptions.assumeTrue(WebDriverSession.available() || System.getenv("CI") != null,
        "needs Debian chromium and chromium-driver (bin/install-deps)");
    try (ScriptedChatServer backend = new ScriptedChatServer()) {
      JsonObject config = TestNodes.config(false, TestNodes.uniqueClusterName(), 5897, 5897);
      config.put("ai", new JsonObject().put("enabled", true).put("rooms", new JsonArray().add(ROOM))
          .put("backend", new JsonObject().put("url", backend.url()).put("model", "scripted")));
      PeerMeshNode node = TestNodes.start(config);
      try (WebDriverSession page = new WebDriverSession()) {
        page.scriptTimeout(30_000);
        String url = "http://127.0.0.1:" + node.signalingPort() + "/?room=" + ROOM + "&peer=alice";
        page.open(url);
        assertEquals("connected", page.executeAsync(AWAIT_CONNECTED, BOT));
        page.execute(ASK, "hello");
        String shown = (String) page.executeAsync(AWAIT_OUTPUT, "[" + BOT + " done]");
        assertTrue(shown.contains("> hello\n" + ScriptedChatServer.ANSWER_TEXT + "\n[" + BOT + " done]"), shown);

        page.execute(ASK, "slow");
        page.executeAsync(AWAIT_OUTPUT, "p30 ");
        // A reload leaves the room and joins afresh: a new connection with the bot, which resumes the answer.
        page.open(url);
        assertEquals("connected", page.executeAsync(AWAIT_CONNECTED, BOT));
        String all = (String) page.executeAsync(AWAIT_OUTPUT, "p499 \n[" + BOT + " done]");
        String pieces = IntStream.range(0, 500).mapToObj(i -> "p" + i + " ").collect(Collectors.joining());
        assertTrue(all.contains("> slow\n" + pieces + "\n[" + BOT + " done]"),
            "every piece once and in order across the reload: " + all);
      } finally {
        Await.result(node.close());
      }
    }
  }
}
