/**
 * QEMU trace files (seed 000): the simple backend's binary logs (versions 2, 3 and 4) read with the
 * trace-events files that define their events, and the log backend's text lines; printed the way
 * QEMU's simpletrace.py prints them, or summarized per event with the latency between paired events.
 */
package dev.kvmtune.qemutrace;
