#!/usr/bin/env bash
# What the tests need beyond a JDK 25 and Maven, installed when missing (./test and .ci/run call it):
#  - gcc, fuse3 and libfuse3-dev: the configfs-tsm stand-in, a FUSE file system the tests build and mount;
#  - swtpm and tpm2-tools: a real TPM 2.0 for the Azure vTPM attester's tests;
#  - the kernel's UAPI headers (linux-libc-dev 6.12 from bookworm-backports, unpacked, never installed):
#    the tests check the ioctl layouts of sev-guest.h, tdx-guest.h and nsm.h against them. Debian 12's
#    own linux-libc-dev (6.1) predates tdx-guest.h and nsm.h.
# Installing needs root; without it, a missing piece is named and the script fails (no test is skipped).
set -euo pipefail
headers="${CLOISTER_KERNEL_HEADERS:-$HOME/.cache/cloister/kernel-headers}"
need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v fusermount3 >/dev/null 2>&1 || need+=(fuse3)
[ -f /usr/include/fuse3/fuse.h ] || need+=(libfuse3-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v swtpm >/dev/null 2>&1 || need+=(swtpm swtpm-tools)
command -v tpm2_nvread >/dev/null 2>&1 || need+=(tpm2-tools)
have_headers() { [ -f "$headers/usr/include/linux/tdx-guest.h" ] && [ -f "$headers/usr/include/linux/nsm.h" ] && [ -f "$headers/usr/include/linux/sev-guest.h" ]; }
if [ ${#need[@]} -eq 0 ] && have_headers; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/test-deps.sh: the tests need ${need[*]:-} ${headers}/usr/include (kernel UAPI headers 6.12); run this script as root once" >&2
  exit 1
fi
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! have_headers; then
  # A private apt state: bookworm-backports is read for this one download and never added to the system's sources.
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/lists/partial"
  echo "deb http://deb.debian.org/debian bookworm-backports main" >"$work/sources.list"
  apt=(apt-get -qq -o "Dir::Etc::sourcelist=$work/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$work/lists"
    -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root)
  "${apt[@]}" update
  (cd "$work" && "${apt[@]}" download linux-libc-dev/bookworm-backports)
  rm -rf "$headers"
  mkdir -p "$headers"
  dpkg-deb -x "$work"/linux-libc-dev_*.deb "$headers"
  have_headers || { echo "scripts/test-deps.sh: linux-libc-dev from bookworm-backports has no tdx-guest.h or nsm.h" >&2; exit 1; }
fi
