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

    private byte[] buf = new byte[1 << 20];
    private int pos;
    private int lim;
    private long consumed;
    private InputStream in;
    private boolean eof;

    private boolean ensure(int n) throws IOException {
        if (lim - pos >= n) return true;
        if (n > buf.length) buf = Arrays.copyOf(buf, Math.max(n, buf.length * 2));
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            consumed += pos;
            lim -= pos;
            pos = 0;
        }
        while (lim < n && !eof) {
            int r = in.read(buf, lim, buf.length - lim);
            if (r < 0) eof = true;
            else lim += r;
        }
        return lim - pos >= n;
    }

    private long offset() {
        return consumed + pos;
    }

    public Summary read(InputStream input, String name, TraceRecord.Sink sink) throws IOException {
        this.in = input;
        int version = 4;
        if (!noHeader) {
            if (!ensure(24)) throw new BadInputException(name + ": not a QEMU simple trace file (only " + (lim - pos) + " bytes)");
            long id = (long) U64.get(buf, 0);
            long magic = (long) U64.get(buf, 8);
            long v = (long) U64.get(buf, 16);
            if (id != HEADER_EVENT_ID || magic != MAGIC) {
                throw new BadInputException(name + ": not a QEMU simple trace file (header magic is 0x" + Long.toHexString(magic)
                        + ", expected 0x" + Long.toHexString(MAGIC) + ")");
            }
            if (v != 2 && v != 3 && v != 4) {
                throw new BadInputException(name + ": simple trace log version " + Long.toUnsignedString(v)
                        + " is not supported (versions 2, 3 and 4 are)");
            }
            version = (int) v;
            pos = 24;
        }
        Map<Long, Slot> byId = new HashMap<>();
        Slot[] small = new Slot[1024];
        Map<TraceEvent, Slot> slots = new IdentityHashMap<>();
        Slot droppedSlot = new Slot(TraceEvent.DROPPED, 0);
        slots.put(TraceEvent.DROPPED, droppedSlot);
        if (noHeader || version < 4) {
            long id = 0;
            for (TraceEvent e : events) {
                if (version < 4 && e.disabled()) continue;
                Slot sl = slots.computeIfAbsent(e, k -> new Slot(k, slots.size()));
                byId.put(id, sl);
                if (id < small.length) small[(int) id] = sl;
                id++;
            }
        }
        TraceRecord r = new TraceRecord();
        r.hasTimestamp = true;
        r.hasPid = version >= 3;
        long records = 0;
        long mappings = 0;
        long dropped = 0;
        while (true) {
            if (version == 4) {
                if (!ensure(8)) {
                    if (lim > pos) throw truncated(name, records);
                    break;
                }
                long type = (long) U64.get(buf, pos);
                if (type == 0) {
                    long at = offset();
                    if (!ensure(12)) throw truncated(name, records);
                    long id = (long) U64.get(buf, pos + 8);
                    int len = (int) U32.get(buf, pos + 16);
                    if (len < 0 || len > 4096) {
                        throw new BadInputException(name + ": byte " + at + ": mapping record with a name of " + Integer.toUnsignedString(len) + " bytes");
                    }
                    if (!ensure(20 + len)) throw truncated(name, records);
                    String ev = new String(buf, pos + 20, len, StandardCharsets.UTF_8);
                    pos += 20 + len;
                    mappings++;
                    TraceEvent e = byName.get(ev);
                    if (e == null) e = new TraceEvent(ev, java.util.Set.of(), List.of(), "", "(not in the trace-events files)", -1);
                    Slot sl = slots.computeIfAbsent(e, k -> new Slot(k, slots.size()));
                    byId.put(id, sl);
                    if (id >= 0 && id < small.length) small[(int) id] = sl;
                    continue;
                }
                if (type != 1) {
                    throw new BadInputException(name + ": byte " + offset() + ": record type " + Long.toUnsignedString(type)
                            + " (expected 0 = mapping or 1 = event): the file is damaged or not a simple trace");
                }
                pos += 8;
            } else if (!ensure(1)) {
                break;
            }
            long at = offset();
            if (!ensure(RECORD_HEADER)) throw truncated(name, records);
            long id = (long) U64.get(buf, pos);
            int length = (int) U32.get(buf, pos + 16);
            r.timestampNs = (long) U64.get(buf, pos + 8);
            r.pid = Integer.toUnsignedLong((int) U32.get(buf, pos + 20));
            if (length < RECORD_HEADER || length > MAX_STRING * 10) {
                throw new BadInputException(name + ": byte " + at + ": record length " + Integer.toUnsignedString(length) + " is impossible");
            }
            if (!ensure(length)) throw truncated(name, records);
            Slot sl;
            if (id == DROPPED_EVENT_ID) {
                sl = droppedSlot;
                dropped += (long) U64.get(buf, pos + RECORD_HEADER);
            } else {
                sl = id >= 0 && id < small.length ? small[(int) id] : byId.get(id);
                if (sl == null) {
                    throw new BadInputException(name + ": byte " + at + ": event id " + Long.toUnsignedString(id)
                            + (version == 4 && !noHeader ? " has no mapping record" : " is beyond the trace-events files given (" + byId.size() + " events)"));
                }
                if (sl.event.line() < 0) {
                    throw new BadInputException(name + ": byte " + at + ": event '" + sl.event.name()
                            + "' is not declared in the trace-events files given; use the trace-events-all of the QEMU build that wrote the trace");
                }
            }
            TraceEvent e = sl.event;
            int p = pos + RECORD_HEADER;
            int end = pos + length;
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
            pos = end;
            records++;
            sink.record(r);
        }
        return new Summary(version, records, mappings, dropped);
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

    private BadInputException truncated(String name, long records) {
        return new BadInputException(name + ": byte " + offset() + ": the file ends inside a record (after " + records
                + " whole records); QEMU was probably stopped while writing it");
    }

    private static BadInputException mismatch(String name, long at, TraceEvent e, int length) {
        return new BadInputException(name + ": byte " + at + ": record of " + e.name() + " is " + length
                + " bytes, which its arguments in " + e.file() + ":" + e.line()
                + " do not fill; the trace-events file is not the one the QEMU that wrote the trace was built with");
    }
}
