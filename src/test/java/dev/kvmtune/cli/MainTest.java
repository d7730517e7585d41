package dev.kvmtune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** How Main ends: at the end of main only where the JVM would not wait for another thread. */
class MainTest {
    private static Thread started(boolean daemon, CountDownLatch release) {
        Thread t = new Thread(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.setDaemon(daemon);
        t.start();
        return t;
    }

    @Test
    void returnsBesideDaemonsOnly() throws InterruptedException {
        Thread self = Thread.currentThread();
        CountDownLatch release = new CountDownLatch(1);
        Thread daemon = started(true, release);
        Thread worker = started(false, release);
        try {
            assertThat(Main.mayReturn(new Thread[] {self, daemon}, self)).isTrue();
            assertThat(Main.mayReturn(new Thread[] {self, daemon, worker}, self)).isFalse();
        } finally {
            release.countDown();
        }
        worker.join();
        // a thread that has ended keeps nothing waiting
        assertThat(Main.mayReturn(new Thread[] {self, worker}, self)).isTrue();
        assertThat(Main.mayReturn(new Thread[] {self}, self)).isTrue();
    }

    @Test
    void threadsNotAllKnownMeansExit() {
        assertThat(Main.mayReturn(null, Thread.currentThread())).isFalse();
    }

    @Test
    void listsEveryLiveThreadOfTheJvm() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        Thread worker = started(false, release);
        try {
            Thread[] threads = Main.threads();
            assertThat(threads).contains(Thread.currentThread(), worker);
            assertThat(Main.mayReturn(threads, Thread.currentThread())).isFalse();
        } finally {
            release.countDown();
        }
        worker.join();
        assertThat(Main.threads()).doesNotContain(worker);
    }
}
