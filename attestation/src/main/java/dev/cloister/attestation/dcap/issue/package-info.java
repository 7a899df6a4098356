/** DCAP quotes, PCK certificates and Intel collateral issued in Intel's exact shape under a root that is not Intel's (simulated platforms, tests). */
package dev.cloister.attestation.dcap.issue;
