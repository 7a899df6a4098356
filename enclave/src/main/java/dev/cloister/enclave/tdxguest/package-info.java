/** The Linux TDX guest device {@code /dev/tdx_guest} (include/uapi/linux/tdx-guest.h): the TDREPORT over chosen report data. The quote that makes it evidence comes from configfs-tsm. */
package dev.cloister.enclave.tdxguest;
