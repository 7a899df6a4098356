/** Signed reference values: expected measurements published by a build pipeline, signed with its key, accepted only from keys a verifier trusts. */
package dev.cloister.attestation.refvalue;
