/** The TDX Confidential Computing Event Log (ACPI CCEL table and its TCG crypto-agile event log): bounded parsing, and replay of the SHA-384 digests into RTMR0..3 to check a quote's RTMRs. */
package dev.cloister.attestation.dcap.ccel;
