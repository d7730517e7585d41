package dev.kvmtune.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AsyncOutputStreamTest {
    @Test
    void bytesArriveInOrderWhateverTheWriteSizes() throws IOException {
        byte[] data = new byte[3_000_000];
        new Random(1).nextBytes(data);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        Random rnd = new Random(2);
        try (AsyncOutputStream a = new AsyncOutputStream(sink, 4096, 3)) {
            for (int p = 0; p < data.length; ) {
                int k = Math.min(data.length - p, rnd.nextInt(10_000));
                if (k == 1) a.write(data[p]);
                else a.write(data, p, k);
                p += k;
                if (rnd.nextInt(50) == 0) a.flush();
            }
        }
        assertThat(sink.toByteArray()).isEqualTo(data);
    }

    @Test
    void exchangedBuffersAndPlainWritesKeepTheirOrder() throws IOException {
        byte[] data = new byte[2_000_000];
        new Random(3).nextBytes(data);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        Random rnd = new Random(4);
        try (AsyncOutputStream a = new AsyncOutputStream(sink, 4096, 3)) {
            ByteOut bo = new ByteOut(a);
            for (int p = 0; p < data.length; ) {
                int k = Math.min(data.length - p, rnd.nextInt(6000));
                if (rnd.nextBoolean()) {
                    bo.write(data, p, k);
                } else {
                    bo.flush();
                    a.write(data, p, k);
                }
                p += k;
            }
            bo.flush();
            assertThat(bo.capacity()).isEqualTo(4096);
        }
        assertThat(sink.toByteArray()).isEqualTo(data);
    }

    @Test
    void aWriteErrorReachesTheWriter() {
        OutputStream failing = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        assertThatThrownBy(() -> {
            try (AsyncOutputStream a = new AsyncOutputStream(failing, 1024, 2)) {
                for (int i = 0; i < 10_000; i++) a.write(new byte[100]);
            }
        }).isInstanceOf(IOException.class).hasMessage("No space left on device");
    }
}
