/** The job's output on the recipient's side: opening the HPKE-sealed model and metrics, and scoring the model on one's own data. */
package dev.cloister.cleanroom.output;
