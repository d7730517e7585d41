/**
 * Latency: cyclictest runs and their output parsed, histograms and percentiles, the chart, and
 * the timer-tick sampler.
 */
package dev.kvmtune.latency;
