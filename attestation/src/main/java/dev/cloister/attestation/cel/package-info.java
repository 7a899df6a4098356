/** CEL expressions for policies: compiled once over declared map variables, evaluated fail-closed. */
package dev.cloister.attestation.cel;
