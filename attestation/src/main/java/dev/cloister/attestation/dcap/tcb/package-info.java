/** Intel collateral (TCB info, QE identity, CRLs and their issuer chains) and the TCB status a quote earns from it. */
package dev.cloister.attestation.dcap.tcb;
