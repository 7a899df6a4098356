/** The one strict JSON reader every module uses for input whose bytes matter: duplicate keys, trailing content and unknown fields refused. */
package dev.cloister.attestation.json;
