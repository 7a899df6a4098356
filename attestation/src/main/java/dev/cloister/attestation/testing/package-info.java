/** Helpers for tests of Cloister and of code built on it: locating the shared real-hardware evidence samples. */
package dev.cloister.attestation.testing;
