/**
 * Small tools every layer uses: CPU sets, number and duration parsing, line splitting on bytes,
 * the one writer of named outputs and the one bounded reader of whole inputs, message escaping.
 */
package dev.kvmtune.util;
