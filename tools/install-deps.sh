#!/usr/bin/env bash
# Installs what PlasmaVMC needs on a Debian host, only what is missing:
# QEMU (qemu-system-x86) and qemu-img, dosfstools and mtools (the host makes cloud-init seeds with them, and
# the test guest's disk image too), busybox-static, cpio, fdisk, syslinux and qemu-ga's libraries for the
# test guest, a JDK 17 and Maven, and
# Temporal's CLI (the real dev server and its Web UI), built with Go, which install-temporal.sh
# installs where none new enough is found (Debian 12: golang-1.23-go from bookworm-backports).
# Exit code 1 when something cannot be had, Temporal's CLI included.
# With --test also what only the tests need: Chromium and its driver (the Temporal UI test), nginx
# (a TLS front for Temporal in the test of the workers' mutual TLS), and for the cluster tests
# (the production topology: launcher's io.plasmavmc.cluster) PostgreSQL (Debian's package; the tests
# run a private cluster of their own, never the system's), netcat (the compose's schema job waits
# with nc) and iproute2 (hosts as network namespaces), with Temporal's server and SQL schema tool
# (install-temporal.sh --server).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v qemu-img >/dev/null || need+=(qemu-utils)
# The guest's initramfs needs a statically linked busybox (ldd succeeds only on dynamic executables).
if [[ ! -x /bin/busybox ]] || ldd /bin/busybox >/dev/null 2>&1; then need+=(busybox-static); fi
command -v cpio >/dev/null || need+=(cpio)
# A cloud-init NoCloud seed is a small FAT image labelled CIDATA, made and filled without a mount
# (mkfs.fat, mcopy): the host needs these for every VM with cloud-init, not only for tests.
command -v mkfs.fat >/dev/null || [[ -x /usr/sbin/mkfs.fat || -x /sbin/mkfs.fat ]] || need+=(dosfstools)
command -v mcopy >/dev/null || need+=(mtools)
# The test guest's bootable disk image: an MBR partition table written into a file (sfdisk), and
# SYSLINUX installed onto its FAT partition through mtools (no loop mount, so no root needed); the
# MBR boot code and ldlinux's modules come in syslinux-common.
command -v sfdisk >/dev/null || [[ -x /usr/sbin/sfdisk || -x /sbin/sfdisk ]] || need+=(fdisk)
command -v syslinux >/dev/null || need+=(syslinux)
[[ -f /usr/lib/syslinux/mbr/mbr.bin ]] || need+=(syslinux-common)
command -v gzip >/dev/null || need+=(gzip)
# The agent variant of the test guest carries Debian's qemu-ga with these libraries of the host
# (QEMU itself depends on them; listed so a host without QEMU's full set still gets them).
for pair in libglib-2.0.so.0:libglib2.0-0 libnuma.so.1:libnuma1 liburing.so.2:liburing2 libudev.so.1:libudev1 \
            libpcre2-8.so.0:libpcre2-8-0; do
  /sbin/ldconfig -p | grep -q "${pair%%:*}" || need+=("${pair#*:}")
done
command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
if [[ "${1:-}" == "--test" ]]; then
  command -v chromium >/dev/null || need+=(chromium)
  command -v chromedriver >/dev/null || need+=(chromium-driver)
  [[ -x /usr/sbin/nginx ]] || need+=(nginx-light)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
  command -v nc >/dev/null || need+=(netcat-openbsd)
  command -v ip >/dev/null || [[ -x /usr/sbin/ip || -x /sbin/ip ]] || need+=(iproute2)
fi

if (( ${#need[@]} )); then
  echo "install-deps: installing ${need[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "install-deps: $(qemu-system-x86_64 --version | head -1); $(java -version 2>&1 | head -1)"
if [[ "${1:-}" == "--test" ]]; then
  bash tools/install-temporal.sh --server
else
  bash tools/install-temporal.sh
fi
