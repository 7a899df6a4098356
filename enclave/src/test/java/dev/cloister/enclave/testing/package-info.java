/** Test support for the enclave's attesters: the configfs-tsm stand-in (tsmfs) and the simulated device behind it. */
package dev.cloister.enclave.testing;
