package io.peermesh.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.airelay.ScriptedChatServer;
import io.peermesh.shared.testing.Await;
import io.peermesh.shared.testing.NetworkNamespace;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The React example app (built from npm packages by bin/test) asks the AI relay's bot through useAiAnswers in
 * real Chromium: an answer renders whole, in order, as done; a backend failure renders as error with its code.
 */
class ReactAiTest {
  private static final String ROOM = "ai-react";
  private static final String BOT = "ai-assistant-" + ROOM;
  private static final String AWAIT_PEERS = "const [wanted, done] = arguments;"
      + "const check = () => { const el = document.querySelector('[data-testid=peers]');"
      + "  el && el.textContent.includes(wanted) ? done(el.textContent) : setTimeout(check, 25); };"
      + "check();";
  /** Types into the controlled input as a user would (React hears the input event), then clicks ask. */
  private static final String ASK = "const [text, done] = arguments;"
      + "const input = document.querySelector('[data-testid=ai-prompt]');"
      + "Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, text);"
      + "input.dispatchEvent(new Event('input', { bubbles: true }));"
      + "setTimeout(() => { document.querySelector('[data-testid=ai-ask]').click(); done(); }, 0);";
  /** Resolves with the index-th answer once it is no longer streaming. */
  private static final String AWAIT_ANSWER = "const [index, done] = arguments;"
      + "const check = () => { const a = document.querySelectorAll('[data-testid=ai-answer]')[index];"
      + "  const e = a && a.parentElement.querySelector('[data-testid=ai-error]');"
      + "  a && a.dataset.state !== 'streaming' ? done(JSON.stringify({ state: a.dataset.state,"
      + "    finish: a.dataset.finish, code: a.dataset.code, text: a.textContent, error: e ? e.textContent : null,"
      + "    errors: window.__errors })) : setTimeout(check, 25); };"
      + "check();";

  @Test
  void theExampleRendersAStreamedAnswerAndAFailureWithItsCode() throws Exception {
    NetworkNamespace.requireInCi();
    NetworkNamespace.assume();
    Assumptions.assumeTrue(WebDriverSession.available() || System.getenv("CI") != null,
        "needs Debian chromium and chromium-driver (bin/install-deps)");
    Path root = Path.of(System.getProperty("peermesh.root", "../.."));
    assertTrue(Files.isRegularFile(root.resolve("web/react/example/dist/app.js")),
        "the example app is not built: run bin/test (it runs npm ci and npm run build:example in web/react)");
    try (ScriptedChatServer backend = new ScriptedChatServer()) {
      JsonObject config = TestNodes.config(false, TestNodes.uniqueClusterName(), 5899, 5899);
      config.put("ai", new JsonObject().put("enabled", true).put("rooms", new JsonArray().add(ROOM))
          .put("backend", new JsonObject().put("url", backend.url()).put("model", "scripted")));
      PeerMeshNode node = TestNodes.start(config);
      try (WebDriverSession page = new WebDriverSession()) {
        page.scriptTimeout(30_000);
        page.open("http://127.0.0.1:" + node.signalingPort() + "/react/example/index.html?room=" + ROOM
            + "&peer=rai&ai=" + BOT);
        try {
          page.executeAsync(AWAIT_PEERS, BOT + " (connected)");
        } catch (IllegalStateException e) {
          throw new AssertionError("the bot's link never showed connected; page: " + page.execute(
              "return JSON.stringify({errors: window.__errors, root: document.getElementById('root').innerHTML})"), e);
        }

        page.executeAsync(ASK, "hello");
        JsonObject answer = new JsonObject((String) page.executeAsync(AWAIT_ANSWER, 0));
        assertEquals("done", answer.getString("state"), answer.encode());
        assertEquals("stop", answer.getString("finish"));
        // Four pieces, ö and ✓ split across the backend's writes: whole and in order.
        assertEquals(ScriptedChatServer.ANSWER_TEXT, answer.getString("text"));

        page.executeAsync(ASK, "status");
        JsonObject failed = new JsonObject((String) page.executeAsync(AWAIT_ANSWER, 1));
        assertEquals("error", failed.getString("state"), failed.encode());
        assertEquals("ai-backend-error", failed.getString("code"));
        assertTrue(failed.getString("error").startsWith("ai-backend-error: ")
            && failed.getString("error").contains("429"), failed.getString("error"));
        assertEquals(new JsonArray(), failed.getJsonArray("errors"), "no page errors");
        page.screenshot(root.resolve("verticles/node/target/screenshots/react-ai.png"));
      } finally {
        Await.result(node.close());
      }
    }
  }
}
