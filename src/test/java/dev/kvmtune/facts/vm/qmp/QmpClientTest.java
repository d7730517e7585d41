package dev.kvmtune.facts.vm.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmtune.testing.Qemu;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The QMP client against a real QEMU, and against peers that misbehave. */
class QmpClientTest {
    @TempDir
    Path tmp;

    @Test
    void talksToRealQemu() throws Exception {
        try (Qemu q = Qemu.start(tmp, "kt-qmp", List.of("-m", "64", "-smp", "2"));
             QmpClient c = QmpClient.connect(q.qmp(), Duration.ofSeconds(5))) {
            assertThat(c.qemuVersion()).matches("\\d+\\.\\d+\\.\\d+");
            assertThat(Qmp.name(c)).isEqualTo("kt-qmp");
            Map<Integer, Integer> vcpus = Qmp.vcpuThreads(Qmp.vcpus(c));
            assertThat(vcpus).containsOnlyKeys(0, 1);
            assertThat(q.threadsNamed("CPU 0/" + q.accel().toUpperCase())).containsExactly(vcpus.get(0));
            assertThat(Qmp.iothreads(c)).isEmpty();
            assertThatThrownBy(() -> c.execute("no-such-command", null, Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(QmpException.class, e -> {
                        assertThat(e.kind()).isEqualTo(QmpException.Kind.ERROR);
                        assertThat(e.errorClass()).isEqualTo("CommandNotFound");
                    });
            assertThat(Qmp.traceEvents(c, "qmp_*")).isNotEmpty();
            Qmp.setTraceEvents(c, "qmp_job_cancel", true);
            assertThat(Qmp.traceEvents(c, "qmp_job_cancel")).containsValue("enabled");
            Qmp.setTraceEvents(c, "qmp_job_cancel", false);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<String>> names = new ArrayList<>();
                for (int i = 0; i < 40; i++) names.add(pool.submit(() -> Qmp.name(c)));
                for (Future<String> f : names) assertThat(f.get()).isEqualTo("kt-qmp");
            } finally {
                pool.shutdownNow();
            }
            if (q.accel().equals("kvm")) {
                Map<String, Map<String, Long>> st = Qmp.stats(c, "vcpu");
                assertThat(st).hasSize(2);
                assertThat(st.values().iterator().next()).containsKeys("exits", "halt_exits", "io_exits");
            }
        }
    }

    /** A unix socket server that runs one behaviour for the first client. */
    private Path peer(Consumer<SocketChannel> behaviour) throws IOException {
        Path sock = tmp.resolve("peer" + System.nanoTime() % 100000 + ".sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        CompletableFuture.runAsync(() -> {
            try (server; SocketChannel ch = server.accept()) {
                behaviour.accept(ch);
            } catch (IOException e) {
                // the test sees what the client saw
            }
        });
        return sock;
    }

    private static void send(SocketChannel ch, String s) {
        try {
            ch.write(ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void closedSocket() throws IOException {
        Path sock = peer(ch -> { });
        assertThatThrownBy(() -> QmpClient.connect(sock, Duration.ofSeconds(3)))
                .isInstanceOfSatisfying(QmpException.class, e -> assertThat(e.kind()).isEqualTo(QmpException.Kind.CLOSED))
                .hasMessageContaining(sock.toString());
    }

    @Test
    void garbage() throws IOException {
        Path sock = peer(ch -> send(ch, "\u0000\u0001garbage that is not JSON\n"));
        assertThatThrownBy(() -> QmpClient.connect(sock, Duration.ofSeconds(3)))
                .isInstanceOfSatisfying(QmpException.class, e -> assertThat(e.kind()).isEqualTo(QmpException.Kind.PROTOCOL))
                .hasMessageContaining("not JSON");
    }

    @Test
    void silentPeerTimesOut() throws IOException {
        Path sock = peer(ch -> sleep(3000));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> QmpClient.connect(sock, Duration.ofMillis(300)))
                .isInstanceOfSatisfying(QmpException.class, e -> assertThat(e.kind()).isEqualTo(QmpException.Kind.TIMEOUT));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void eventsAreSkippedAndAnswersMatchedById() throws Exception {
        Path sock = peer(ch -> {
            send(ch, "{\"QMP\": {\"version\": {\"qemu\": {\"major\": 9, \"minor\": 0, \"micro\": 1}}, \"capabilities\": []}}\r\n");
            ByteBuffer in = ByteBuffer.allocate(4096);
            for (int i = 1; i <= 2; i++) {
                try {
                    in.clear();
                    ch.read(in);
                } catch (IOException e) {
                    return;
                }
                send(ch, "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n");
                send(ch, "{\"return\": {\"name\": \"peer\"}, \"id\": " + i + "}\r\n");
            }
            sleep(200);
        });
        try (QmpClient c = QmpClient.connect(sock, Duration.ofSeconds(3))) {
            assertThat(c.qemuVersion()).isEqualTo("9.0.1");
            assertThat(Qmp.name(c)).isEqualTo("peer");
        }
    }

    @Test
    void noSocket() {
        assertThatThrownBy(() -> QmpClient.connect(tmp.resolve("none.sock"), Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(QmpException.class, e -> assertThat(e.kind()).isEqualTo(QmpException.Kind.CONNECT));
    }
}
