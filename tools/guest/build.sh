#!/usr/bin/env bash
# Builds PlasmaVMC's test guest from Debian packages only:
#   vmlinuz               - the kernel of linux-image-<abi>-cloud-amd64
#   initrd-graceful.img   - busybox init; powers off on the ACPI power button
#   initrd-stubborn.img   - busybox init; ignores the power button
#   initrd-agent.img      - the graceful guest plus Debian's QEMU guest agent (qemu-ga) on the
#                           virtio-serial port org.qemu.guest_agent.0; guest-shutdown powers it off
# All print "PLASMAVMC-GUEST-READY" on ttyS0 once user space is up (for the
# graceful and agent variants: once acpid holds the power-button input device; for
# the agent variant also once qemu-ga runs). With
# plasmavmc.poweroff_after=N on the kernel command line, either powers itself
# off N seconds after that (a guest-initiated shutdown, for tests).
# Output goes to $PLASMAVMC_GUEST_DIR (default /var/cache/plasmavmc/guest as root, else
# ~/.cache/plasmavmc/guest), readable by everyone (QEMU's own user reads it), and is
# rebuilt only when missing. Needs: apt-get, dpkg, busybox-static, cpio, gzip.
set -euo pipefail

# As root, QEMU runs as its own unprivileged user, to which root's home is closed: the guest lives
# in /var/cache then, readable by all (it holds nothing secret).
if [[ $(id -u) -eq 0 ]]; then DEFAULT_OUT=/var/cache/plasmavmc/guest; else DEFAULT_OUT="$HOME/.cache/plasmavmc/guest"; fi
OUT="${PLASMAVMC_GUEST_DIR:-$DEFAULT_OUT}"
READY_MARKER="PLASMAVMC-GUEST-READY"
# Bump when the guest changes, so cached guests are rebuilt.
GUEST_VERSION=5

if [[ -s "$OUT/vmlinuz" && -s "$OUT/initrd-graceful.img" && -s "$OUT/initrd-stubborn.img" && -s "$OUT/initrd-agent.img" \
      && "$(cat "$OUT/version" 2>/dev/null)" == "$GUEST_VERSION" ]]; then
  echo "guest: cached in $OUT"
  exit 0
fi

BUSYBOX=/bin/busybox
# busybox-static installs /bin/busybox; a dynamic busybox would not run inside
# the initramfs (ldd succeeds only on dynamic executables).
if [[ ! -x "$BUSYBOX" ]] || ldd "$BUSYBOX" >/dev/null 2>&1; then
  echo "guest: $BUSYBOX is missing or not statically linked; install busybox-static" >&2
  exit 1
fi
for tool in apt-get apt-cache dpkg cpio gzip; do
  command -v "$tool" >/dev/null || { echo "guest: missing $tool" >&2; exit 1; }
done

WORK="$(mktemp -d)"
chmod 755 "$WORK"   # apt-get download runs as _apt where it can
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

# The meta package names the concrete ABI package; download that one.
PKG="$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-.*-cloud-amd64/ {print $2; exit}')"
if [[ -z "$PKG" ]]; then
  apt-get update -qq
  PKG="$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-.*-cloud-amd64/ {print $2; exit}')"
fi
[[ -n "$PKG" ]] || { echo "guest: cannot resolve linux-image-cloud-amd64" >&2; exit 1; }
echo "guest: kernel package $PKG"
(cd "$WORK" && apt-get download -q "$PKG" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
dpkg -x "$WORK"/linux-image-*.deb "$WORK/kernel"
KVER="$(ls "$WORK/kernel/lib/modules")"
MODDIR="$WORK/kernel/lib/modules/$KVER/kernel"

module() { # copy a module, decompressing it if the kernel ships it compressed
  local src
  src="$(ls "$MODDIR/$1".ko* | head -1)"
  case "$src" in
    *.xz)  xz -dc "$src" ;;
    *.zst) zstd -dc "$src" ;;
    *)     cat "$src" ;;
  esac > "$2"
}

# The guest agent for the agent variant: Debian's qemu-ga with the shared libraries it links
# (taken from this host, which has them as QEMU's own dependencies).
(cd "$WORK" && apt-get download -q qemu-guest-agent 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
dpkg -x "$WORK"/qemu-guest-agent_*.deb "$WORK/qga"
QGA="$WORK/qga/usr/sbin/qemu-ga"
[[ -x "$QGA" ]] || { echo "guest: qemu-guest-agent has no usr/sbin/qemu-ga" >&2; exit 1; }
if ldd "$QGA" | grep -q 'not found'; then
  echo "guest: qemu-ga needs libraries this host lacks:" >&2; ldd "$QGA" | grep 'not found' >&2; exit 1
fi

add_agent() { # $1 = initramfs root: qemu-ga, its libraries, the virtio-serial modules, shutdown
  local root="$1" lib
  mkdir -p "$root"/{usr/sbin,var/run,lib64,lib/x86_64-linux-gnu}
  cp "$QGA" "$root/usr/sbin/qemu-ga"
  for lib in $(ldd "$QGA" | awk '/=> \// {print $3} /^\t\/lib64\// {print $1}'); do
    cp -L "$lib" "$root$lib"
  done
  for m in virtio/virtio virtio/virtio_ring virtio/virtio_pci_modern_dev virtio/virtio_pci_legacy_dev virtio/virtio_pci char/virtio_console; do
    module "drivers/$m" "$root/lib/modules/$(basename "$m").ko"
  done
  # guest-shutdown runs /sbin/shutdown -h -P +0 "...": power off at once, as a real guest would.
  cat > "$root/sbin/shutdown" <<'SCRIPT'
#!/bin/sh
echo "guest: the guest agent asked to power off" > /dev/ttyS0
poweroff -f
SCRIPT
  chmod 755 "$root/sbin/shutdown"
}

build_initrd() { # $1 = variant (graceful|stubborn|agent)
  local variant="$1" root="$WORK/initrd-$1"
  mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc/acpi/PWRF,lib/modules}
  cp "$BUSYBOX" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  module drivers/input/evdev "$root/lib/modules/evdev.ko"
  module drivers/acpi/button "$root/lib/modules/button.ko"
  cat > "$root/etc/acpi/PWRF/00000080" <<'SCRIPT'
#!/bin/sh
echo "guest: power button pressed, powering off" > /dev/ttyS0
poweroff -f
SCRIPT
  chmod 755 "$root/etc/acpi/PWRF/00000080"
  if [[ "$variant" == agent ]]; then add_agent "$root"; fi
  cat > "$root/init" <<INIT
#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
VARIANT=$variant
if [ "\$VARIANT" = agent ]; then
  for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console; do insmod /lib/modules/\$m.ko; done
  # No udev here: find the agent's port by its name, as udev's /dev/virtio-ports link would.
  port=""
  i=0
  while [ -z "\$port" ] && [ \$i -lt 200 ]; do
    for p in /sys/class/virtio-ports/vport*; do
      # (A port can appear while this loop runs: test each path as it is, never a glob.)
      if [ -e "\$p/name" ] && [ "\$(cat "\$p/name")" = org.qemu.guest_agent.0 ] && [ -c "/dev/\${p##*/}" ]; then
        port="/dev/\${p##*/}"
      fi
    done
    [ -z "\$port" ] && sleep 0.05
    i=\$((i+1))
  done
  if [ -n "\$port" ]; then
    /usr/sbin/qemu-ga -m virtio-serial -p "\$port" -t /var/run &
  else
    echo "guest: no virtio-serial port org.qemu.guest_agent.0; the agent does not run" > /dev/ttyS0
  fi
fi
if [ "\$VARIANT" != stubborn ]; then
  insmod /lib/modules/evdev.ko
  insmod /lib/modules/button.ko
  # Wait until the power-button input device shows up.
  i=0
  while [ -z "\$(ls /dev/input/event* 2>/dev/null)" ] && [ \$i -lt 200 ]; do sleep 0.05; i=\$((i+1)); done
  acpid -c /etc/acpi -l /tmp/acpid.log
  # Ready only once acpid holds the input device, so a power button pressed
  # right after the marker is never lost.
  i=0
  while [ \$i -lt 200 ]; do
    pid=\$(pidof acpid)
    if [ -n "\$pid" ] && ls -l /proc/\$pid/fd 2>/dev/null | grep -q /dev/input/event; then break; fi
    sleep 0.05; i=\$((i+1))
  done
fi
echo "$READY_MARKER variant=\$VARIANT" > /dev/ttyS0
for arg in \$(cat /proc/cmdline); do
  case "\$arg" in
    plasmavmc.poweroff_after=*)
      sleep "\${arg#*=}"
      echo "guest: powering itself off" > /dev/ttyS0
      poweroff -f ;;
  esac
done
while true; do sleep 3600; done
INIT
  chmod 755 "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$OUT/initrd-$variant.img.tmp"
  mv "$OUT/initrd-$variant.img.tmp" "$OUT/initrd-$variant.img"
}

build_initrd graceful
build_initrd stubborn
build_initrd agent
cp "$WORK"/kernel/boot/vmlinuz-* "$OUT/vmlinuz.tmp"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
echo "$PKG" > "$OUT/kernel-package"
echo "$GUEST_VERSION" > "$OUT/version"
chmod 755 "$OUT"
chmod 644 "$OUT"/vmlinuz "$OUT"/initrd-*.img "$OUT"/kernel-package "$OUT"/version
echo "guest: built in $OUT ($(du -sh "$OUT" | cut -f1))"
