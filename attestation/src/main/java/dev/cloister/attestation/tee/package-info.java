/** The registry of TEE families: one class per family that recognises, decodes, verifies and appraises its evidence. */
package dev.cloister.attestation.tee;
