package dev.kvmtune.exporter;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * What the exporter's HTTP server answers besides the metrics: a read-only endpoint takes GET and
 * HEAD only (405 otherwise, before any handler runs), and serves a short page at / and 404 for
 * every other path. The JDK server itself answers a request it cannot parse with 400.
 */
public final class HttpGuard {
    private HttpGuard() {
    }

    /** Refuses every method but GET and HEAD with 405 (an authenticator runs before the handlers of every path). */
    public static Authenticator readOnly() {
        return new Authenticator() {
            @Override
            public Result authenticate(HttpExchange exchange) {
                String m = exchange.getRequestMethod();
                if (m.equals("GET") || m.equals("HEAD")) return new Success(null);
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                return new Failure(405);
            }
        };
    }

    /** / gets a page linking the metrics; any other path not served is 404. */
    public static HttpHandler landing() {
        return exchange -> {
            try (exchange) {
                boolean root = exchange.getRequestURI().getPath().equals("/");
                byte[] body = (root
                        ? "<!DOCTYPE html><html><head><title>kvmtune exporter</title></head><body><h1>kvmtune exporter</h1>"
                                + "<p><a href=\"metrics\">metrics</a></p></body></html>\n"
                        : "404 not found: this exporter serves /metrics\n").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", root ? "text/html; charset=utf-8" : "text/plain; charset=utf-8");
                boolean head = exchange.getRequestMethod().equals("HEAD");
                exchange.sendResponseHeaders(root ? 200 : 404, head ? -1 : body.length);
                if (!head) {
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                }
            } catch (IOException e) {
                // the client went away
            }
        };
    }
}
