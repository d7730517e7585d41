/**
 * CPUs: identity from {@code proc/cpuinfo} (architecture, vendor, model), topology and caches
 * from sysfs in every layout kernels use, the lscpu-style summary, core types, and isolation.
 */
package dev.kvmtune.facts.cpu;
