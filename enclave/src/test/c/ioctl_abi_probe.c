/*
 * The ABI proof for Cloister's FFM layouts: compiled by GuestAbiTest with gcc against the kernel's
 * UAPI headers (linux-libc-dev 6.12, unpacked by scripts/test-deps.sh), it prints what the C
 * compiler makes of every struct the guest-device attesters marshal (sizeof, offsetof) and every
 * ioctl request number, one "key value" line each. The Java test requires its own layouts and
 * request numbers to equal these.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <linux/ioctl.h>
#include <linux/psp-sev.h>
#include <linux/sev-guest.h>
#include <linux/tdx-guest.h>
#include <linux/nsm.h>

#define SIZE(t) printf("sizeof.%s %zu\n", #t, sizeof(struct t))
#define OFF(t, f) printf("offsetof.%s.%s %zu\n", #t, #f, offsetof(struct t, f))
#define NUM(n) printf("const.%s %lu\n", #n, (unsigned long)(n))

int main(void) {
  SIZE(snp_report_req);
  OFF(snp_report_req, user_data);
  OFF(snp_report_req, vmpl);
  OFF(snp_report_req, rsvd);
  SIZE(snp_report_resp);
  OFF(snp_report_resp, data);
  SIZE(snp_derived_key_req);
  OFF(snp_derived_key_req, root_key_select);
  OFF(snp_derived_key_req, rsvd);
  OFF(snp_derived_key_req, guest_field_select);
  OFF(snp_derived_key_req, vmpl);
  OFF(snp_derived_key_req, guest_svn);
  OFF(snp_derived_key_req, tcb_version);
  SIZE(snp_derived_key_resp);
  OFF(snp_derived_key_resp, data);
  SIZE(snp_guest_request_ioctl);
  OFF(snp_guest_request_ioctl, msg_version);
  OFF(snp_guest_request_ioctl, req_data);
  OFF(snp_guest_request_ioctl, resp_data);
  OFF(snp_guest_request_ioctl, exitinfo2);
  OFF(snp_guest_request_ioctl, fw_error);
  OFF(snp_guest_request_ioctl, vmm_error);
  SIZE(snp_ext_report_req);
  OFF(snp_ext_report_req, data);
  OFF(snp_ext_report_req, certs_address);
  OFF(snp_ext_report_req, certs_len);
  NUM(SNP_REPORT_USER_DATA_SIZE);
  NUM(SNP_GUEST_REQ_IOC_TYPE);
  NUM(SNP_GET_REPORT);
  NUM(SNP_GET_DERIVED_KEY);
  NUM(SNP_GET_EXT_REPORT);
  NUM(SNP_GUEST_VMM_ERR_SHIFT);
  NUM(SNP_GUEST_VMM_ERR_INVALID_LEN);
  NUM(SNP_GUEST_VMM_ERR_BUSY);
  /* the firmware status codes, sev_ret_code in psp-sev.h */
  NUM(SEV_RET_SUCCESS);
  NUM(SEV_RET_INVALID_PLATFORM_STATE);
  NUM(SEV_RET_INVALID_GUEST_STATE);
  NUM(SEV_RET_INVALID_CONFIG);
  NUM(SEV_RET_INVALID_LEN);
  NUM(SEV_RET_ALREADY_OWNED);
  NUM(SEV_RET_INVALID_CERTIFICATE);
  NUM(SEV_RET_POLICY_FAILURE);
  NUM(SEV_RET_INACTIVE);
  NUM(SEV_RET_INVALID_ADDRESS);
  NUM(SEV_RET_BAD_SIGNATURE);
  NUM(SEV_RET_BAD_MEASUREMENT);
  NUM(SEV_RET_ASID_OWNED);
  NUM(SEV_RET_INVALID_ASID);
  NUM(SEV_RET_WBINVD_REQUIRED);
  NUM(SEV_RET_DFFLUSH_REQUIRED);
  NUM(SEV_RET_INVALID_GUEST);
  NUM(SEV_RET_INVALID_COMMAND);
  NUM(SEV_RET_ACTIVE);
  NUM(SEV_RET_HWSEV_RET_PLATFORM);
  NUM(SEV_RET_HWSEV_RET_UNSAFE);
  NUM(SEV_RET_UNSUPPORTED);
  NUM(SEV_RET_INVALID_PARAM);
  NUM(SEV_RET_RESOURCE_LIMIT);
  NUM(SEV_RET_SECURE_DATA_INVALID);
  NUM(SEV_RET_INVALID_PAGE_SIZE);
  NUM(SEV_RET_INVALID_PAGE_STATE);
  NUM(SEV_RET_INVALID_MDATA_ENTRY);
  NUM(SEV_RET_INVALID_PAGE_OWNER);
  NUM(SEV_RET_AEAD_OFLOW);
  NUM(SEV_RET_EXIT_RING_BUFFER);
  NUM(SEV_RET_RMP_INIT_REQUIRED);
  NUM(SEV_RET_BAD_SVN);
  NUM(SEV_RET_BAD_VERSION);
  NUM(SEV_RET_SHUTDOWN_REQUIRED);
  NUM(SEV_RET_UPDATE_FAILED);
  NUM(SEV_RET_RESTORE_REQUIRED);
  NUM(SEV_RET_RMP_INITIALIZATION_FAILED);
  NUM(SEV_RET_INVALID_KEY);

  SIZE(tdx_report_req);
  OFF(tdx_report_req, reportdata);
  OFF(tdx_report_req, tdreport);
  NUM(TDX_REPORTDATA_LEN);
  NUM(TDX_REPORT_LEN);
  NUM(TDX_CMD_GET_REPORT0);

  SIZE(nsm_iovec);
  OFF(nsm_iovec, addr);
  OFF(nsm_iovec, len);
  SIZE(nsm_raw);
  OFF(nsm_raw, request);
  OFF(nsm_raw, response);
  NUM(NSM_MAGIC);
  NUM(NSM_REQUEST_MAX_SIZE);
  NUM(NSM_RESPONSE_MAX_SIZE);
  NUM(NSM_IOCTL_RAW);

  NUM(FIONREAD);
  NUM(O_RDWR);
  NUM(O_CLOEXEC);
  return 0;
}
