package dev.kvmtune.facts.vm.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A QMP client over QEMU's unix socket (docs/interop/qmp-spec.rst): reads the greeting, sends
 * {@code qmp_capabilities}, then runs commands one at a time, each tagged with an {@code id} so
 * that its answer is told apart from asynchronous events, which are skipped. Every wait has a
 * deadline. Thread-safe: commands from several threads are serialized.
 */
public final class QmpClient implements Closeable {
    /** Bound on one message, so that a peer sending garbage without newlines cannot fill memory. */
    static final int MAX_LINE = 16 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;
    private final SocketChannel channel;
    private final Selector selector;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 << 10);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final JsonNode greeting;
    private long nextId = 1;

    private QmpClient(Path socket, SocketChannel channel, Duration timeout) throws QmpException {
        this.socket = socket;
        this.channel = channel;
        try {
            channel.configureBlocking(false);
            this.selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException e) {
            throw new QmpException(QmpException.Kind.CONNECT, null, socket + ": " + e.getMessage());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode g = readMessage(deadline, "the QMP greeting");
        if (!g.has("QMP")) throw protocol("expected the QMP greeting, got " + abbreviate(g.toString()));
        this.greeting = g.get("QMP");
    }

    /** Connects, reads the greeting and leaves capabilities negotiation mode. */
    public static QmpClient connect(Path socket, Duration timeout) throws QmpException {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new QmpException(QmpException.Kind.CONNECT, null, socket + ": " + e.getMessage());
        }
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new QmpException(QmpException.Kind.CONNECT, null, socket + ": cannot connect: " + e.getMessage());
        }
        QmpClient c = null;
        try {
            c = new QmpClient(socket, ch, timeout);
            c.execute("qmp_capabilities", null, timeout);
            return c;
        } catch (QmpException e) {
            if (c != null) c.close();
            else closeQuietly(ch);
            throw e;
        }
    }

    /** The greeting's QMP object: version and capabilities. */
    public JsonNode greeting() {
        return greeting;
    }

    /** "7.2.22" from the greeting. */
    public String qemuVersion() {
        JsonNode q = greeting.path("version").path("qemu");
        return q.path("major").asInt() + "." + q.path("minor").asInt() + "." + q.path("micro").asInt();
    }

    /**
     * Runs one command and returns its {@code return} value.
     *
     * @throws QmpException ERROR with QEMU's class and desc when QEMU refuses it; TIMEOUT, CLOSED
     *                      or PROTOCOL when the connection fails
     */
    public synchronized JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) throws QmpException {
        long id = nextId++;
        ObjectNode msg = JSON.createObjectNode();
        msg.put("execute", command);
        if (arguments != null && !arguments.isEmpty()) msg.set("arguments", JSON.valueToTree(arguments));
        msg.put("id", id);
        long deadline = System.nanoTime() + timeout.toNanos();
        write(msg.toString() + "\n", deadline, command);
        while (true) {
            JsonNode m = readMessage(deadline, "the answer to " + command);
            if (m.has("event")) continue;
            if (!m.has("id") || m.get("id").asLong() != id) {
                if (m.has("return") || m.has("error")) continue; // a late answer to a command that timed out
                throw protocol("unexpected message " + abbreviate(m.toString()));
            }
            if (m.has("error")) {
                JsonNode e = m.get("error");
                String cls = e.path("class").asText("GenericError");
                throw new QmpException(QmpException.Kind.ERROR, cls, command + ": " + cls + ": " + e.path("desc").asText());
            }
            if (!m.has("return")) throw protocol("answer to " + command + " has neither return nor error");
            return m.get("return");
        }
    }

    /** Writes the whole message; a peer that stops reading makes it wait for writability until the deadline. */
    private void write(String text, long deadline, String command) throws QmpException {
        ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        try {
            SelectionKey key = channel.keyFor(selector);
            while (out.hasRemaining()) {
                if (channel.write(out) > 0) continue;
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new QmpException(QmpException.Kind.TIMEOUT, null, socket + ": QEMU does not read; " + command + " not sent within the timeout");
                }
                key.interestOps(SelectionKey.OP_WRITE);
                try {
                    selector.select(Math.max(1, left / 1_000_000));
                    selector.selectedKeys().clear();
                } finally {
                    key.interestOps(SelectionKey.OP_READ);
                }
            }
        } catch (IOException e) {
            throw new QmpException(QmpException.Kind.CLOSED, null, socket + ": QEMU closed the connection: " + e.getMessage());
        }
    }

    private JsonNode readMessage(long deadline, String what) throws QmpException {
        while (true) {
            String l = nextLine(deadline, what);
            if (l.isBlank()) continue;
            try {
                JsonNode n = JSON.readTree(l);
                if (n == null || !n.isObject()) throw protocol("not a QMP message: " + abbreviate(l));
                return n;
            } catch (JsonProcessingException e) {
                throw protocol("not a QMP message (not JSON): " + abbreviate(l));
            }
        }
    }

    /** Reads up to the next newline, waiting at most until the deadline. */
    private String nextLine(long deadline, String what) throws QmpException {
        try {
            while (true) {
                while (buffer.position() > 0) {
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        byte b = buffer.get();
                        if (b == '\n') {
                            buffer.compact();
                            String s = line.toString(StandardCharsets.UTF_8);
                            line.reset();
                            return s;
                        }
                        line.write(b);
                        if (line.size() > MAX_LINE) throw protocol("a message longer than " + MAX_LINE + " bytes");
                    }
                    buffer.clear();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new QmpException(QmpException.Kind.TIMEOUT, null, socket + ": no answer within the timeout while waiting for " + what);
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                int n = channel.read(buffer);
                if (n < 0) throw new QmpException(QmpException.Kind.CLOSED, null, socket + ": QEMU closed the connection while waiting for " + what);
            }
        } catch (IOException e) {
            throw new QmpException(QmpException.Kind.CLOSED, null, socket + ": " + e.getMessage());
        }
    }

    private QmpException protocol(String message) {
        return new QmpException(QmpException.Kind.PROTOCOL, null, socket + ": " + message);
    }

    private static String abbreviate(String s) {
        String t = s.replaceAll("\\p{Cntrl}", "?");
        return t.length() > 120 ? t.substring(0, 120) + "..." : t;
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        closeQuietly(selector);
        closeQuietly(channel);
    }
}
