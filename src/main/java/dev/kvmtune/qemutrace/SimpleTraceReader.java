package dev.kvmtune.qemutrace;

import dev.kvmtune.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the binary files of QEMU's "simple" trace backend (trace/simple.c), streaming.
 *
 * <p>Layout (little-endian, as written on x86): a header {@code u64 0xffffffffffffffff, u64 magic
 * 0xf2b177cb0aa429b4, u64 version}; then records. Version 4 prefixes each record with a u64 type:
 * 0 = mapping {@code u64 id, u32 len, name}, 1 = event {@code u64 id, u64 timestamp_ns, u32 length,
 * u32 pid, args}. Versions 2 and 3 have event records only, ids numbered in trace-events order over
 * the enabled events; version 2's pid field is reserved. An argument is a u64, or for {@code char *}
 * a u32 length and that many bytes. Id 0xfffffffffffffffe is a dropped-events record whose one
 * argument is the count.
 *
 * <p>Reading is in two steps per record: framing (its boundaries from the length fields, its id
 * resolved through the mapping records seen so far) and decoding (its arguments).
 */
public final class SimpleTraceReader {
    public static final long HEADER_EVENT_ID = 0xffffffffffffffffL;
    public static final long MAGIC = 0xf2b177cb0aa429b4L;
    public static final long DROPPED_EVENT_ID = 0xfffffffffffffffeL;
    private static final int RECORD_HEADER = 24;
    /** QEMU cuts strings at MAX_TRACE_STRLEN (512); far longer ones mean the file is not what it seems. */
    private static final int MAX_STRING = 1 << 20;
    private static final VarHandle U64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** What the whole file held. */
    public record Summary(int version, long records, long mappings, long droppedEvents) {
    }

    private final Map<String, TraceEvent> byName = new HashMap<>();
    private final List<TraceEvent> events;
    private final boolean noHeader;

    /**
     * @param noHeader the file has no header (a flight-recorder dump): version 4 records, ids in
     *     trace-events order over all events
     */
    public SimpleTraceReader(List<TraceEvent> events, boolean noHeader) {
        this.events = events;
        this.noHeader = noHeader;
        for (TraceEvent e : events) byName.putIfAbsent(e.name(), e);
    }

    /** True when {@code head} starts like a simple-backend file: the header's all-ones id (as much of it as there is). */
    public static boolean looksLikeSimpleTrace(byte[] head, int len) {
        if (len == 0) return false;
        for (int i = 0; i < Math.min(len, 8); i++) if (head[i] != (byte) 0xff) return false;
        return true;
    }

    /** Every record to the sink, in file order, on this thread. */
    public Summary read(InputStream input, String name, TraceRecord.Sink sink) throws IOException {
        Framer f = new Framer(input, name);
        TraceRecord r = f.newRecord();
        while (true) {
            int k = f.frame();
            if (k == Framer.MAPPING) continue;
            if (k == Framer.NEED) {
                if (f.fill(f.need)) continue;
                if (f.lim > f.pos) throw f.truncated();
                break;
            }
            decode(f.buf, f.at, f.length, f.slot, r, name, f.offset(f.at));
            sink.record(r);
        }
        return f.summary();
    }

    /** The arguments of the event record at buf[p] (its id field), {@code length} bytes, into r. */
    private static void decode(byte[] buf, int p, int length, Slot sl, TraceRecord r, String name, long at) {
        TraceEvent e = sl.event;
        int end = p + length;
        r.timestampNs = (long) U64.get(buf, p + 8);
        r.pid = Integer.toUnsignedLong((int) U32.get(buf, p + 20));
        p += RECORD_HEADER;
        boolean[] string = sl.string;
        for (int i = 0; i < string.length; i++) {
            if (string[i]) {
                if (p + 4 > end) throw mismatch(name, at, e, length);
                int len = (int) U32.get(buf, p);
                if (len < 0 || p + 4 + len > end) throw mismatch(name, at, e, length);
                r.values[i] = p + 4;
                r.stringLength[i] = len;
                p += 4 + len;
            } else {
                if (p + 8 > end) throw mismatch(name, at, e, length);
                r.values[i] = (long) U64.get(buf, p);
                p += 8;
            }
        }
        if (p != end) throw mismatch(name, at, e, length);
        r.event = e;
        r.eventKey = sl.key;
        r.bytes = buf;
    }

    /** An event as the reader decodes it: which arguments are strings, and its key for the sinks. */
    private static final class Slot {
        final TraceEvent event;
        final boolean[] string;
        final int key;

        Slot(TraceEvent event, int key) {
            this.event = event;
            this.key = key;
            List<TraceEvent.Arg> args = event.args();
            string = new boolean[args.size()];
            for (int i = 0; i < string.length; i++) string[i] = args.get(i).isString();
        }
    }

    /**
     * Finds records in a buffer of the input: checks what framing depends on (record types,
     * lengths, ids) and applies mapping records, leaving the arguments to {@link #decode}.
     */
    private final class Framer {
        static final int EVENT = 0;
        static final int MAPPING = 1;
        static final int NEED = 2;

        final InputStream in;
        final String name;
        final int version;
        byte[] buf = new byte[1 << 20];
        int pos;
        int lim;
        /** File offset of buf[0]. */
        long consumed;
        boolean eof;
        /** After NEED: bytes wanted from pos, and where a file ending here is reported cut. */
        int need;
        int cutAt;
        /** After EVENT: the record's id field (in buf), its length and its event. */
        int at;
        int length;
        Slot slot;
        final Map<Long, Slot> byId = new HashMap<>();
        final Slot[] small = new Slot[1024];
        final Map<TraceEvent, Slot> slots = new IdentityHashMap<>();
        final Slot droppedSlot = new Slot(TraceEvent.DROPPED, 0);
        long records;
        long mappings;
        long dropped;

        Framer(InputStream in, String name) throws IOException {
            this.in = in;
            this.name = name;
            slots.put(TraceEvent.DROPPED, droppedSlot);
            int v = 4;
            if (!noHeader) {
                if (!fill(24)) throw new BadInputException(name + ": not a QEMU simple trace file (only " + (lim - pos) + " bytes)");
                long id = (long) U64.get(buf, 0);
                long magic = (long) U64.get(buf, 8);
                long version = (long) U64.get(buf, 16);
                if (id != HEADER_EVENT_ID || magic != MAGIC) {
                    throw new BadInputException(name + ": not a QEMU simple trace file (header magic is 0x" + Long.toHexString(magic)
                            + ", expected 0x" + Long.toHexString(MAGIC) + ")");
                }
                if (version != 2 && version != 3 && version != 4) {
                    throw new BadInputException(name + ": simple trace log version " + Long.toUnsignedString(version)
                            + " is not supported (versions 2, 3 and 4 are)");
                }
                v = (int) version;
                pos = 24;
            }
            this.version = v;
            if (noHeader || version < 4) {
                long id = 0;
                for (TraceEvent e : events) {
                    if (version < 4 && e.disabled()) continue;
                    map(id++, e);
                }
            }
        }

        TraceRecord newRecord() {
            TraceRecord r = new TraceRecord();
            r.hasTimestamp = true;
            r.hasPid = version >= 3;
            return r;
        }

        Summary summary() {
            return new Summary(version, records, mappings, dropped);
        }

        long offset(int p) {
            return consumed + p;
        }

        private void map(long id, TraceEvent e) {
            Slot sl = slots.computeIfAbsent(e, k -> new Slot(k, slots.size()));
            byId.put(id, sl);
            if (id >= 0 && id < small.length) small[(int) id] = sl;
        }

        private int need(int n, int cut) {
            need = n;
            cutAt = cut;
            return NEED;
        }

        /** The record at pos, if it is whole in the buffer. */
        int frame() {
            int p = pos;
            int avail = lim - p;
            if (version == 4) {
                if (avail < 8) return need(8, p);
                long type = (long) U64.get(buf, p);
                if (type == 0) {
                    if (avail < 20) return need(20, p);
                    long id = (long) U64.get(buf, p + 8);
                    int len = (int) U32.get(buf, p + 16);
                    if (len < 0 || len > 4096) {
                        throw new BadInputException(name + ": byte " + offset(p) + ": mapping record with a name of " + Integer.toUnsignedString(len) + " bytes");
                    }
                    if (avail < 20 + len) return need(20 + len, p);
                    String ev = new String(buf, p + 20, len, StandardCharsets.UTF_8);
                    TraceEvent e = byName.get(ev);
                    if (e == null) e = new TraceEvent(ev, java.util.Set.of(), List.of(), "", "(not in the trace-events files)", -1);
                    map(id, e);
                    mappings++;
                    pos = p + 20 + len;
                    return MAPPING;
                }
                if (type != 1) {
                    throw new BadInputException(name + ": byte " + offset(p) + ": record type " + Long.toUnsignedString(type)
                            + " (expected 0 = mapping or 1 = event): the file is damaged or not a simple trace");
                }
                p += 8;
                avail -= 8;
            } else if (avail == 0) {
                return need(1, p);
            }
            if (avail < RECORD_HEADER) return need(p - pos + RECORD_HEADER, pos);
            long id = (long) U64.get(buf, p);
            int len = (int) U32.get(buf, p + 16);
            if (len < RECORD_HEADER || len > MAX_STRING * 10) {
                throw new BadInputException(name + ": byte " + offset(p) + ": record length " + Integer.toUnsignedString(len) + " is impossible");
            }
            if (avail < len) return need(p - pos + len, pos);
            Slot sl;
            if (id == DROPPED_EVENT_ID) {
                sl = droppedSlot;
                if (len >= RECORD_HEADER + 8) dropped += (long) U64.get(buf, p + RECORD_HEADER);
            } else {
                sl = id >= 0 && id < small.length ? small[(int) id] : byId.get(id);
                if (sl == null) {
                    throw new BadInputException(name + ": byte " + offset(p) + ": event id " + Long.toUnsignedString(id)
                            + (version == 4 && !noHeader ? " has no mapping record" : " is beyond the trace-events files given (" + byId.size() + " events)"));
                }
                if (sl.event.line() < 0) {
                    throw new BadInputException(name + ": byte " + offset(p) + ": event '" + sl.event.name()
                            + "' is not declared in the trace-events files given; use the trace-events-all of the QEMU build that wrote the trace");
                }
            }
            at = p;
            length = len;
            slot = sl;
            records++;
            pos = p + len;
            return EVENT;
        }

        /** Reads until n bytes from pos are in the buffer (moving them to its start); false at the end of the input. */
        boolean fill(int n) throws IOException {
            if (lim - pos >= n) return true;
            if (n > buf.length) buf = Arrays.copyOf(buf, Math.max(n, buf.length * 2));
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                consumed += pos;
                lim -= pos;
                // where a cut is reported moves with the bytes (it was left behind: offsets came out nearly doubled)
                cutAt -= pos;
                pos = 0;
            }
            return read(n);
        }

        private boolean read(int n) throws IOException {
            while (lim < n && !eof) {
                int r = in.read(buf, lim, buf.length - lim);
                if (r < 0) eof = true;
                else lim += r;
            }
            return lim - pos >= n;
        }

        BadInputException truncated() {
            return new BadInputException(name + ": byte " + offset(cutAt) + ": the file ends inside a record (after " + records
                    + " whole records); QEMU was probably stopped while writing it");
        }
    }

    private static BadInputException mismatch(String name, long at, TraceEvent e, int length) {
        return new BadInputException(name + ": byte " + at + ": record of " + e.name() + " is " + length
                + " bytes, which its arguments in " + e.file() + ":" + e.line()
                + " do not fill; the trace-events file is not the one the QEMU that wrote the trace was built with");
    }
}
