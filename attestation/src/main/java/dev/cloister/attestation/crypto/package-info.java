/** Which JCA providers do Cloister's cryptography: one place that installs the fast native provider, or says why not. */
package dev.cloister.attestation.crypto;
