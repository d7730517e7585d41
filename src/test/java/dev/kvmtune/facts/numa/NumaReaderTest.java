package dev.kvmtune.facts.numa;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NumaReaderTest {
    @Test
    void nodeMeminfoAndDistances() {
        long[] m = NumaReader.parseMeminfo("""
                Node 1 MemTotal:       65536000 kB
                Node 1 MemFree:        60000000 kB
                Node 1 MemUsed:         5536000 kB
                """);
        assertThat(m).containsExactly(65536000, 60000000);
        assertThat(NumaReader.parseDistance("10 21 31 31\n")).containsExactly(10, 21, 31, 31);
        assertThat(NumaReader.parseDistance("10 x")).isEmpty();
    }

    /** Kernels and trees differ in what a node directory holds; each layout gives the same CPUs, and none gives "unknown". */
    @Test
    void nodeCpusFromEveryLayout(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tree) throws Exception {
        String n = "sys/devices/system/node/";
        dev.kvmtune.testing.Trees.put(tree, n + "node0/cpulist", "0-3\n");
        dev.kvmtune.testing.Trees.put(tree, n + "node1/cpumap", "00000000,000000f0\n");
        for (int c = 8; c < 12; c++) java.nio.file.Files.createSymbolicLink(
                java.nio.file.Files.createDirectories(tree.resolve(n + "node2")).resolve("cpu" + c), java.nio.file.Path.of("../../cpu/cpu" + c));
        for (int c = 12; c < 14; c++) dev.kvmtune.testing.Trees.put(tree, "sys/devices/system/cpu/cpu" + c + "/node3/.keep", "");
        java.nio.file.Files.createDirectories(tree.resolve(n + "node3"));
        dev.kvmtune.testing.Trees.put(tree, n + "node4/cpulist", "\n");
        dev.kvmtune.testing.Trees.put(tree, n + "node4/meminfo", "Node 4 MemTotal:  1048576 kB\nNode 4 MemFree:  1000000 kB\n");
        java.nio.file.Files.createDirectories(tree.resolve(n + "node5"));
        var nodes = NumaReader.read(dev.kvmtune.facts.source.DirectoryRoot.of(tree));
        assertThat(nodes).extracting(NumaNode::id).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(nodes.get(0).cpus().toList()).isEqualTo("0-3");
        assertThat(nodes.get(1).cpus().toList()).as("cpumap").isEqualTo("4-7");
        assertThat(nodes.get(2).cpus().toList()).as("cpuN links in the node").isEqualTo("8-11");
        assertThat(nodes.get(3).cpus().toList()).as("cpu/cpuN/nodeM links").isEqualTo("12-13");
        assertThat(nodes.get(4).cpus().isEmpty()).as("a memory-only node").isTrue();
        assertThat(nodes.get(4).memTotalKb()).isEqualTo(1048576);
        assertThat(nodes.get(5).cpus().isEmpty()).as("links elsewhere in the tree: a node without any has no CPUs").isTrue();
        assertThat(nodes.get(5).memTotalKb()).as("absent meminfo: unknown, not zero").isEqualTo(-1);
    }

    @Test
    void aNodeWithNothingToReadInATreeWithoutLinksIsUnknown(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tree) throws Exception {
        dev.kvmtune.testing.Trees.put(tree, "sys/devices/system/node/node0/cpulist", "0-1\n");
        java.nio.file.Files.createDirectories(tree.resolve("sys/devices/system/node/node1"));
        var nodes = NumaReader.read(dev.kvmtune.facts.source.DirectoryRoot.of(tree));
        assertThat((Object) nodes.get(1).cpus()).as("no cpulist, cpumap or link anywhere for it: unknown, not empty").isNull();
    }
}
