package dev.kvmtune.cli;

/** The output formats every command accepts; commands that add markdown say so in their help. */
public enum OutputFormat {
    text, json, markdown
}
