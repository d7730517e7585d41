/**
 * Flame graphs (seed 000): perf script text collapsed into folded stacks the way FlameGraph's
 * stackcollapse-perf.pl does it, line for line.
 */
package dev.kvmtune.flame;
