/** What may be released and to whom: resource paths, CEL release policies over EAR claims, and wrapping a secret to the TEE's key as a JWE. */
package dev.cloister.broker.release;
