/** The confidential job, run inside the TEE: attest to every party's broker, decrypt in memory, train, seal the output to each recipient, sign a receipt with evidence. */
package dev.cloister.cleanroom.job;
