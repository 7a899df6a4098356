/** Binding evidence to a protocol exchange: the KBS runtime-data digest that REPORT_DATA must carry, computed the same way by TEE and broker. */
package dev.cloister.attestation.binding;
