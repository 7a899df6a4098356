/** The AWS Nitro Secure Module device {@code /dev/nsm} (include/uapi/linux/nsm.h, NSM_IOCTL_RAW) speaking the NSM API's CBOR, and a {@link dev.cloister.enclave.Platform} producing attestation documents. */
package dev.cloister.enclave.nsm;
