/**
 * The command line: picocli commands, their text and JSON output, and the hints they print.
 */
package dev.kvmtune.cli;
