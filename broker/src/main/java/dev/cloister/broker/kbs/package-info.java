/** The Confidential Containers KBS attestation protocol v0 (RCAR): wire types, sessions, the runtime-data binding, and the protocol steps. */
package dev.cloister.broker.kbs;
