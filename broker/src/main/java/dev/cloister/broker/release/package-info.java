/** What may be released and to whom: CEL release policies over EAR claims, the workload pins they must carry, and wrapping a secret to the TEE's key as a JWE. */
package dev.cloister.broker.release;
