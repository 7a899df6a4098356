/** Datasets at rest: Tink streaming AEAD under a per-dataset data key, constant memory, tamper and truncation evident. */
package dev.cloister.cleanroom.dataset;
