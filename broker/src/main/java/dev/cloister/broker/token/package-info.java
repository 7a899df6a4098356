/** Attestation results as IETF EAR tokens (JWT, ES256): issuing, checking, and publishing the signing keys as a JWKS. */
package dev.cloister.broker.token;
