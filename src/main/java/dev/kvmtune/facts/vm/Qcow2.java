package dev.kvmtune.facts.vm;

import dev.kvmtune.BadInputException;
import java.nio.ByteBuffer;

/**
 * The qcow2 header (docs/interop/qcow2.txt; all fields big-endian) and the metadata cache sizes
 * that follow from it (seed 000, docs/qcow2-cache.txt). An L2 table entry maps one cluster and is
 * 8 bytes (16 with extended L2 entries, incompatible feature bit 4), so an L2 cache covering the
 * whole virtual disk needs {@code size / cluster_size * entry_bytes}; QEMU wants cache sizes in
 * whole clusters, at least 2 clusters of L2 and 4 of refcount cache, and at most INT_MAX bytes.
 */
public record Qcow2(int version, int clusterBits, long virtualSize, int refcountOrder, long incompatibleFeatures,
                    boolean extendedL2, boolean hasBackingFile, int snapshots, int cryptMethod) {
    public static final int MAGIC = 0x514649fb; // "QFI\xfb"
    /** Bytes to read for every field used here (version 3 header up to header_length). */
    public static final int HEADER_BYTES = 104;
    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;
    static final long MIN_L2_CLUSTERS = 2;
    static final long MIN_REFCOUNT_CLUSTERS = 4;
    /** QEMU's default l2-cache-size cap on Linux since 3.1 (DEFAULT_L2_CACHE_MAX_SIZE). */
    public static final long DEFAULT_L2_MAX = 32L << 20;
    /** QEMU's default before 3.1, the one seed 000 measures (1 MiB covers 8 GiB with 64 KiB clusters). */
    public static final long OLD_DEFAULT_L2 = 1L << 20;

    /** Parses the header; not a qcow2 image, or a truncated or impossible header, is bad input naming the file. */
    public static Qcow2 parse(byte[] head, String source) {
        if (head.length < 72) throw new BadInputException(source + ": not a qcow2 image (" + head.length + " bytes, a header needs 72)");
        ByteBuffer b = ByteBuffer.wrap(head);
        if (b.getInt(0) != MAGIC) throw new BadInputException(source + ": not a qcow2 image (no QFI\\xfb magic)");
        int version = b.getInt(4);
        if (version != 2 && version != 3) throw new BadInputException(source + ": qcow2 version " + version + " is not 2 or 3");
        long backingOffset = b.getLong(8);
        int clusterBits = b.getInt(20);
        if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
            throw new BadInputException(source + ": cluster_bits " + clusterBits + " is outside " + MIN_CLUSTER_BITS + ".." + MAX_CLUSTER_BITS);
        }
        long size = b.getLong(24);
        if (size < 0) throw new BadInputException(source + ": virtual size " + Long.toUnsignedString(size) + " is too large");
        int crypt = b.getInt(32);
        int snapshots = b.getInt(60);
        long incompatible = 0;
        int refcountOrder = 4;
        if (version == 3) {
            if (head.length < 100) throw new BadInputException(source + ": truncated qcow2 version 3 header (" + head.length + " bytes)");
            incompatible = b.getLong(72);
            refcountOrder = b.getInt(96);
            if (refcountOrder < 0 || refcountOrder > 6) throw new BadInputException(source + ": refcount_order " + refcountOrder + " is outside 0..6");
        }
        return new Qcow2(version, clusterBits, size, refcountOrder, incompatible, (incompatible & (1L << 4)) != 0, backingOffset != 0,
                snapshots, crypt);
    }

    public long clusterSize() {
        return 1L << clusterBits;
    }

    public int refcountBits() {
        return 1 << refcountOrder;
    }

    /** L2 entry size: 8 bytes, 16 with extended L2 entries (subclusters). */
    public int l2EntryBytes() {
        return extendedL2 ? 16 : 8;
    }

    /** The L2 cache that maps the whole virtual disk, in whole clusters, within QEMU's limits. */
    public long l2CacheFull() {
        long tables = ceilDiv(virtualSize, clusterSize()) * l2EntryBytes();
        long v = Math.max(roundUp(tables, clusterSize()), MIN_L2_CLUSTERS * clusterSize());
        return Math.min(v, roundDown(Integer.MAX_VALUE, clusterSize()));
    }

    /**
     * The refcount cache to go with it: a quarter of the L2 cache (the ratio QEMU kept between
     * them before 3.1 and seed 000 quotes), in whole clusters, at least 4 clusters.
     */
    public long refcountCache() {
        long v = Math.max(roundUp(l2CacheFull() / 4, clusterSize()), MIN_REFCOUNT_CLUSTERS * clusterSize());
        return Math.min(v, roundDown(Integer.MAX_VALUE, clusterSize()));
    }

    /** How much of the virtual disk an L2 cache of this size maps. */
    public long coveredBy(long l2CacheSize) {
        double covered = (double) l2CacheSize / l2EntryBytes() * clusterSize();
        return covered >= virtualSize ? virtualSize : (long) covered;
    }

    /** QEMU's own default L2 cache for this image since 3.1: full coverage up to 32 MiB. */
    public long defaultL2() {
        return Math.min(l2CacheFull(), DEFAULT_L2_MAX);
    }

    /** The -drive / -blockdev suboptions. */
    public String driveOptions() {
        return "l2-cache-size=" + l2CacheFull() + ",refcount-cache-size=" + refcountCache();
    }

    private static long ceilDiv(long a, long b) {
        return a / b + (a % b == 0 ? 0 : 1);
    }

    private static long roundUp(long v, long unit) {
        return ceilDiv(v, unit) * unit;
    }

    private static long roundDown(long v, long unit) {
        return v / unit * unit;
    }
}
