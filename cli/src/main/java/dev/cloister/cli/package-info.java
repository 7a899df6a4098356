/** The {@code cloister} command line: argument parsing, human tables and {@code --json} output, exit codes. */
package dev.cloister.cli;
