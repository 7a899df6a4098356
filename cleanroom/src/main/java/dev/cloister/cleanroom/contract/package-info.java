/** Contracts between parties: the canonical document (RFC 8785), its digest (the TEE's HOST_DATA), and every party's signature over it. */
package dev.cloister.cleanroom.contract;
