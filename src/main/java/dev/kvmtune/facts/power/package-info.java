/**
 * Power and clocks: the cpuidle driver, governor and idle states per CPU, cpufreq, and the clocksource.
 */
package dev.kvmtune.facts.power;
