/** Linux device files through the Foreign Function &amp; Memory API: open(2), ioctl(2) with errno captured, and the kernel's ioctl request encoding; the seam the guest-device attesters are tested through. */
package dev.cloister.enclave.linux;
