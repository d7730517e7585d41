/**
 * Audit: profiles (YAML data), setting kinds (one class per kind of knob, reading and comparing
 * the current value), cross-layer rules (code with stable dotted ids) and the findings they give.
 */
package dev.kvmtune.rules;
