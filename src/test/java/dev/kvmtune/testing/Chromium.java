package dev.kvmtune.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's headless Chromium, driven over the DevTools protocol (a WebSocket, spoken with the JDK's
 * own client): one page, every console message, exception and network request it makes recorded,
 * scripts evaluated in any frame, screenshots. Networking is off: every host name resolves to
 * nothing and a proxy that does not exist stands in front of everything else.
 */
public final class Chromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final WebSocket ws;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = Collections.synchronizedList(new ArrayList<>());
    private String session;

    private Chromium(Process process, WebSocket ws) {
        this.process = process;
        this.ws = ws;
    }

    public static Chromium start(Path profile) throws Exception {
        Path exe = Requires.command("chromium", "chromium");
        Process p = new ProcessBuilder(exe.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "about:blank").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        String url = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        StringBuilder seen = new StringBuilder();
        for (String line; System.nanoTime() < deadline && (line = err.readLine()) != null; ) {
            seen.append(line).append('\n');
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                url = m.group(1);
                break;
            }
        }
        if (url == null) {
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not open its DevTools socket:\n" + seen);
        }
        // keep draining stderr so that Chromium never blocks on a full pipe
        Thread drain = new Thread(() -> {
            try {
                while (err.readLine() != null) {
                    // discarded
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "chromium-stderr");
        drain.setDaemon(true);
        drain.start();
        Chromium[] self = new Chromium[1];
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(url), new WebSocket.Listener() {
            private final StringBuilder buf = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                buf.append(data);
                if (last) {
                    String msg = buf.toString();
                    buf.setLength(0);
                    while (self[0] == null) Thread.onSpinWait();
                    self[0].receive(msg);
                }
                socket.request(1);
                return null;
            }
        }).get(30, TimeUnit.SECONDS);
        Chromium c = new Chromium(p, ws);
        self[0] = c;
        return c;
    }

    private void receive(String msg) {
        try {
            JsonNode n = JSON.readTree(msg);
            if (n.has("id")) {
                CompletableFuture<JsonNode> f = pending.remove(n.get("id").asInt());
                if (f != null) f.complete(n);
            } else {
                events.add(n);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends a command (to the page once one is open) and waits for its result; a protocol error fails. */
    public JsonNode send(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        msg.set("params", JSON.valueToTree(params));
        if (session != null && !method.startsWith("Target.")) msg.put("sessionId", session);
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ws.sendText(JSON.writeValueAsString(msg), true).get(30, TimeUnit.SECONDS);
        JsonNode r = f.get(120, TimeUnit.SECONDS);
        if (r.has("error")) throw new IllegalStateException(method + ": " + r.get("error"));
        return r.path("result");
    }

    /** Opens a page with console, exceptions and network recorded, at this window width. */
    public void openPage(int width, int height) throws Exception {
        String target = send("Target.createTarget", Map.of("url", "about:blank")).get("targetId").asText();
        session = send("Target.attachToTarget", Map.of("targetId", target, "flatten", true)).get("sessionId").asText();
        send("Runtime.enable", Map.of());
        send("Log.enable", Map.of());
        send("Network.enable", Map.of());
        send("Page.enable", Map.of());
        resize(width, height);
    }

    public void resize(int width, int height) throws Exception {
        send("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
    }

    /** Navigates and waits for the load event (every frame and object loaded). */
    public void load(String url) throws Exception {
        events.clear();
        send("Page.navigate", Map.of("url", url));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (eventsNamed("Page.loadEventFired").size() > 0) return;
            Thread.sleep(50);
        }
        throw new IllegalStateException("no load event for " + url);
    }

    /** A script's value in the page (or, with a context id, in one frame's context). */
    public JsonNode eval(String expression, Integer contextId) throws Exception {
        Map<String, Object> p = new java.util.HashMap<>(Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (contextId != null) p.put("contextId", contextId);
        JsonNode r = send("Runtime.evaluate", p);
        if (r.has("exceptionDetails")) throw new IllegalStateException(expression + ": " + r.get("exceptionDetails"));
        return r.path("result").path("value");
    }

    public List<JsonNode> eventsNamed(String method) {
        synchronized (events) {
            return events.stream().filter(e -> method.equals(e.path("method").asText())).toList();
        }
    }

    /** Console errors, uncaught exceptions and log entries at error level, as text. */
    public List<String> errors() {
        List<String> out = new ArrayList<>();
        for (JsonNode e : eventsNamed("Runtime.exceptionThrown")) out.add("exception: " + e.path("params").path("exceptionDetails"));
        for (JsonNode e : eventsNamed("Runtime.consoleAPICalled")) {
            if (e.path("params").path("type").asText().equals("error")) out.add("console.error: " + e.path("params").path("args"));
        }
        for (JsonNode e : eventsNamed("Log.entryAdded")) {
            if (e.path("params").path("entry").path("level").asText().equals("error")) out.add("log: " + e.path("params").path("entry").path("text").asText());
        }
        return out;
    }

    /** The URLs of every request the page made. */
    public List<String> requests() {
        return eventsNamed("Network.requestWillBeSent").stream().map(e -> e.path("params").path("request").path("url").asText()).toList();
    }

    /**
     * The whole page as a PNG at this width: the window is made as tall as the page first, because
     * frames outside the window (an object's SVG document) are not painted into a beyond-the-window capture.
     */
    public byte[] screenshot(int width, int height) throws Exception {
        int full = Math.max(height, eval("document.documentElement.scrollHeight", null).asInt());
        resize(width, full);
        Thread.sleep(500);
        byte[] png = java.util.Base64.getDecoder().decode(send("Page.captureScreenshot", Map.of("format", "png")).get("data").asText());
        resize(width, height);
        return png;
    }

    @Override
    public void close() {
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // closing anyway
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
