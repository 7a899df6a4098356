/**
 * Helpers for tests of Cloister and of code built on it: locating the shared real-hardware evidence
 * samples ({@link dev.cloister.attestation.testing.Vectors}), and a fake Intel DCAP platform whose
 * root is never trusted by default ({@link dev.cloister.attestation.testing.FakeDcapPlatform}).
 * Nothing in production code refers to this package's fakes.
 */
package dev.cloister.attestation.testing;
