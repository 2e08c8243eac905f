#!/usr/bin/env bash
# Builds PlasmaVMC's test guest from Debian packages only:
#   vmlinuz               - the kernel of linux-image-<abi>-cloud-amd64
#   initrd-graceful.img   - busybox init; powers off on the ACPI power button
#   initrd-stubborn.img   - busybox init; ignores the power button
#   initrd-agent.img      - the graceful guest plus Debian's QEMU guest agent (qemu-ga) on the
#                           virtio-serial port org.qemu.guest_agent.0; guest-shutdown powers it off
#   disk-graceful.qcow2   - a bootable disk of the graceful guest, for VMs booted from a disk (no
#                           -kernel): an MBR with SYSLINUX's boot code, partition 1 FAT16 (bootable)
#                           holding SYSLINUX, vmlinuz, initrd-graceful.img and a syslinux.cfg that
#                           boots "console=ttyS0 quiet panic=-1", partition 2 a 1 MiB boot log that
#                           the guest rewrites at every boot. SeaBIOS boots it from a virtio-blk disk.
# All print "PLASMAVMC-GUEST-READY variant=<variant>" on ttyS0 once user space is up (for the
# graceful and agent variants: once acpid holds the power-button input device; for the agent
# variant also once qemu-ga runs). Before that, every variant prints, on ttyS0:
#   - for every disk partition that begins with "PLASMAVMC-BOOT-LOG " (partition 2 of the disk
#     image), after counting this boot into it (boots=N+1, this boot's id) with dd:
#       PLASMAVMC-DISK-WRITTEN device=/dev/vda2 boots=<N> boot-id=<kernel boot_id>
#     or PLASMAVMC-DISK-WRITE-FAILED device=<dev> when the disk is read-only. A guest booted from a
#     copy-on-write overlay writes its overlay, never the image; boots=1 on a fresh overlay.
#   - with a cloud-init NoCloud seed attached (a VFAT or ISO9660 filesystem labelled cidata or
#     CIDATA; no real cloud-init, a busybox stand-in that proves the seed reached the guest):
#       PLASMAVMC-CLOUD-INIT instance-id=<meta-data instance-id> hostname=<meta-data local-hostname>
#       PLASMAVMC-CLOUD-INIT-FILES <which of meta-data user-data network-config the seed holds>
#       PLASMAVMC-CLOUD-INIT-MARKER <text>    (once for every user-data line "# plasmavmc-marker: <text>")
#     and sets the guest's hostname. Without a seed, nothing about cloud-init.
# With plasmavmc.poweroff_after=N on the kernel command line, a guest powers itself off N seconds
# after the ready marker (a guest-initiated shutdown, for tests). With plasmavmc.dirty_mib=N, after
# the ready marker, a guest rewrites N MiB of its RAM with random bytes in an endless loop in the
# background (once its first round is written it prints "guest: dirtying N MiB of memory in a loop;
# the first round took <s> s: <rate> MiB/s"), for live-migration figures.
# Output goes to $PLASMAVMC_GUEST_DIR (default /var/cache/plasmavmc/guest as root, else
# ~/.cache/plasmavmc/guest), readable by everyone (QEMU's own user reads it), and is
# rebuilt only when missing or of another GUEST_VERSION. Needs: apt-get, dpkg, busybox-static,
# cpio, gzip, fdisk (sfdisk), dosfstools (mkfs.fat), mtools, syslinux, syslinux-common, qemu-utils;
# no root: the disk image is made in a plain file, never mounted.
# Measured (version 6; 2 cores shared with other jobs, Debian 12, kernel 6.1 cloud, QEMU 7.2): a
# build from scratch takes about 9 s (downloads from a fast mirror, then mostly gzip -9); vmlinuz
# 13.5 MiB, initrd-graceful.img and initrd-stubborn.img 1.2 MiB each (the storage and filesystem
# modules add 0.2 MiB), initrd-agent.img 3.8 MiB, disk-graceful.qcow2 19 MiB virtual and 15.4 MiB
# in its file. Under TCG, from QEMU's start to the ready marker: from the disk (SeaBIOS, SYSLINUX
# reading 15 MiB through int 13h, then the same kernel) 3.2-3.5 s, up to 5.5 s with two guests
# booting at once on the 2 cores; with -kernel 2.2-2.7 s, as with version 5 (loading the modules
# and looking for disks and a seed costs no measurable time).
set -euo pipefail
# mkfs.fat and sfdisk live in /usr/sbin, which is not on an ordinary user's PATH.
PATH="$PATH:/usr/sbin:/sbin"

# As root, QEMU runs as its own unprivileged user, to which root's home is closed: the guest lives
# in /var/cache then, readable by all (it holds nothing secret).
if [[ $(id -u) -eq 0 ]]; then DEFAULT_OUT=/var/cache/plasmavmc/guest; else DEFAULT_OUT="$HOME/.cache/plasmavmc/guest"; fi
OUT="${PLASMAVMC_GUEST_DIR:-$DEFAULT_OUT}"
READY_MARKER="PLASMAVMC-GUEST-READY"
# What the kernel gets, from QEMU's -append or from the disk's syslinux.cfg (TestGuest.CMDLINE).
CMDLINE="console=ttyS0 quiet panic=-1"
# Bump when the guest changes, so cached guests are rebuilt.
GUEST_VERSION=7

if [[ -s "$OUT/vmlinuz" && -s "$OUT/initrd-graceful.img" && -s "$OUT/initrd-stubborn.img" && -s "$OUT/initrd-agent.img" \
      && -s "$OUT/disk-graceful.qcow2" && "$(cat "$OUT/version" 2>/dev/null)" == "$GUEST_VERSION" ]]; then
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
SYSLINUX_MBR=/usr/lib/syslinux/mbr/mbr.bin
for tool in apt-get:apt apt-cache:apt dpkg:dpkg cpio:cpio gzip:gzip sfdisk:fdisk mkfs.fat:dosfstools mcopy:mtools \
            syslinux:syslinux qemu-img:qemu-utils; do
  command -v "${tool%%:*}" >/dev/null || { echo "guest: missing ${tool%%:*}; install ${tool#*:} (tools/install-deps.sh)" >&2; exit 1; }
done
[[ -f "$SYSLINUX_MBR" ]] || { echo "guest: missing $SYSLINUX_MBR; install syslinux-common (tools/install-deps.sh)" >&2; exit 1; }

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
MODROOT="$WORK/kernel/lib/modules/$KVER"

# Kernel modules by name. The package has no modules.dep (its postinst runs depmod), so a module's
# dependencies are read from its own .modinfo ("depends=a,b"). Names use '_' where files may use '-'.
declare -A MODULE_FILE
while IFS= read -r file; do
  name="${file##*/}"; name="${name%%.ko*}"
  MODULE_FILE["${name//-/_}"]="$file"
done < <(find "$MODROOT/kernel" -name '*.ko*')

unpack_module() { # $1 = module file: writes the plain module to stdout, decompressing it if the kernel ships it compressed
  case "$1" in
    *.xz)  xz -dc "$1" ;;
    *.zst) zstd -dc "$1" ;;
    *)     cat "$1" ;;
  esac
}

add_modules() { # $1 = initramfs root, then module names: copies each with what it depends on and
                # appends them, dependencies first, to lib/modules/load.list, which init loads in order
  local root="$1" name dep deps
  shift
  for name in "$@"; do
    name="${name//-/_}"
    [[ -e "$root/lib/modules/$name.ko" ]] && continue
    if [[ -z "${MODULE_FILE[$name]:-}" ]]; then
      # Built into the kernel: nothing to load.
      grep -q "/${name}.ko\$" "$MODROOT/modules.builtin" && continue
      echo "guest: the kernel has no module $name" >&2; exit 1
    fi
    unpack_module "${MODULE_FILE[$name]}" > "$root/lib/modules/$name.ko"
    deps="$(tr '\0' '\n' < "$root/lib/modules/$name.ko" | sed -n 's/^depends=//p' | head -1)"
    for dep in ${deps//,/ }; do add_modules "$root" "$dep"; done
    echo "$name" >> "$root/lib/modules/load.list"
  done
}

# Every variant reads disks: virtio-blk (over virtio-pci, its transport: no dependency of
# virtio_blk's, so named here), FAT for a VFAT cloud-init seed (the kernel's default codepage 437
# and iocharset ascii), ISO9660 for an ISO seed (its Joliet names in the default NLS, utf8).
STORAGE_MODULES=(virtio_pci virtio_blk fat vfat nls_cp437 nls_ascii isofs nls_utf8)
# The power button: its input device (evdev) for acpid, and the ACPI button driver.
BUTTON_MODULES=(evdev button)

# The guest agent for the agent variant: Debian's qemu-ga with the shared libraries it links
# (taken from this host, which has them as QEMU's own dependencies).
(cd "$WORK" && apt-get download -q qemu-guest-agent 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
dpkg -x "$WORK"/qemu-guest-agent_*.deb "$WORK/qga"
QGA="$WORK/qga/usr/sbin/qemu-ga"
[[ -x "$QGA" ]] || { echo "guest: qemu-guest-agent has no usr/sbin/qemu-ga" >&2; exit 1; }
if ldd "$QGA" | grep -q 'not found'; then
  echo "guest: qemu-ga needs libraries this host lacks:" >&2; ldd "$QGA" | grep 'not found' >&2; exit 1
fi

add_agent() { # $1 = initramfs root: qemu-ga, its libraries, the virtio-serial module, shutdown
  local root="$1" lib
  mkdir -p "$root"/{usr/sbin,var/run,lib64,lib/x86_64-linux-gnu}
  cp "$QGA" "$root/usr/sbin/qemu-ga"
  for lib in $(ldd "$QGA" | awk '/=> \// {print $3} /^\t\/lib64\// {print $1}'); do
    cp -L "$lib" "$root$lib"
  done
  add_modules "$root" virtio_console
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
  mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,mnt,etc/acpi/PWRF,lib/modules}
  cp "$BUSYBOX" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  add_modules "$root" "${STORAGE_MODULES[@]}"
  if [[ "$variant" != stubborn ]]; then add_modules "$root" "${BUTTON_MODULES[@]}"; fi
  cat > "$root/etc/acpi/PWRF/00000080" <<'SCRIPT'
#!/bin/sh
echo "guest: power button pressed, powering off" > /dev/ttyS0
poweroff -f
SCRIPT
  chmod 755 "$root/etc/acpi/PWRF/00000080"
  if [[ "$variant" == agent ]]; then add_agent "$root"; fi
  { printf '#!/bin/sh\nVARIANT=%s\nREADY_MARKER=%s\n' "$variant" "$READY_MARKER"
    cat <<'INIT'
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
console() { echo "$*" > /dev/ttyS0; }

# Dependencies first (build.sh wrote the order). Loading virtio_blk probes every virtio disk and
# scans its partition table before insmod returns.
for m in $(cat /lib/modules/load.list); do insmod "/lib/modules/$m.ko"; done
# ...so this only guards against a slow probe: wait (bounded) until every virtio block device
# (virtio device id 0x0002) has its /sys/block entry.
want=0
for d in /sys/bus/virtio/devices/*; do
  [ "$(cat "$d/device" 2>/dev/null)" = 0x0002 ] && want=$((want+1))
done
i=0
while [ "$(ls -d /sys/block/vd* 2>/dev/null | wc -l)" -lt "$want" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done

# The boot log: a partition that begins with "PLASMAVMC-BOOT-LOG " (the disk image's second) gets
# this boot counted into its first sector, so a test sees that the guest wrote its disk (and, on
# copy-on-write overlays, that the image itself stayed as it was).
for sys in /sys/class/block/vd*; do
  [ -e "$sys" ] || continue
  dev="/dev/${sys##*/}"
  [ "$(head -c 19 "$dev" 2>/dev/null)" = "PLASMAVMC-BOOT-LOG " ] || continue
  boots=$(head -c 200 "$dev" | head -n 1 | sed -n 's/.* boots=\([0-9]\{1,9\}\).*/\1/p')
  boots=$(( ${boots:-0} + 1 ))
  id=$(cat /proc/sys/kernel/random/boot_id)
  if printf 'PLASMAVMC-BOOT-LOG boots=%d boot-id=%s\n' "$boots" "$id" \
       | dd of="$dev" bs=512 count=1 conv=sync,notrunc,fsync 2>/dev/null; then
    console "PLASMAVMC-DISK-WRITTEN device=$dev boots=$boots boot-id=$id"
  else
    console "PLASMAVMC-DISK-WRITE-FAILED device=$dev"
  fi
done

# cloud-init NoCloud, as far as a test needs: find the seed by its label, mount it read-only, and
# print what came from it. Everything read from the seed is data: printed, never run.
seed=$(findfs LABEL=cidata 2>/dev/null || findfs LABEL=CIDATA 2>/dev/null || true)
if [ -n "$seed" ] && mkdir -p /mnt/cidata \
     && { mount -t vfat -o ro "$seed" /mnt/cidata 2>/dev/null || mount -t iso9660 -o ro "$seed" /mnt/cidata 2>/dev/null; }; then
  # Control characters (a CR of a file written on Windows, escapes) never reach the console.
  clean() { tr -d '\000-\010\013-\037\177' < "$1"; }
  # "key: value" of meta-data's YAML (the value unquoted); the first one wins.
  meta() {
    [ -f /mnt/cidata/meta-data ] || return 0
    clean /mnt/cidata/meta-data | sed -n "s/^[[:space:]]*$1[[:space:]]*:[[:space:]]*//p" | head -n 1 \
      | sed -e 's/[[:space:]]*$//' -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"
  }
  iid=$(meta instance-id)
  name=$(meta local-hostname)
  console "PLASMAVMC-CLOUD-INIT instance-id=$iid hostname=$name"
  files=""
  for f in meta-data user-data network-config; do [ -f "/mnt/cidata/$f" ] && files="$files $f"; done
  console "PLASMAVMC-CLOUD-INIT-FILES${files}"
  [ -n "$name" ] && hostname "$name" 2>/dev/null
  if [ -f /mnt/cidata/user-data ]; then
    # A YAML comment, so the user-data stays a valid #cloud-config for a real cloud-init.
    clean /mnt/cidata/user-data | sed -n 's/^#[[:space:]]*plasmavmc-marker:[[:space:]]*//p' | sed 's/[[:space:]]*$//' \
      | while IFS= read -r text || [ -n "$text" ]; do console "PLASMAVMC-CLOUD-INIT-MARKER $text"; done
  fi
  umount /mnt/cidata
fi

if [ "$VARIANT" = agent ]; then
  # No udev here: find the agent's port by its name, as udev's /dev/virtio-ports link would.
  port=""
  i=0
  while [ -z "$port" ] && [ $i -lt 200 ]; do
    for p in /sys/class/virtio-ports/vport*; do
      # (A port can appear while this loop runs: test each path as it is, never a glob.)
      if [ -e "$p/name" ] && [ "$(cat "$p/name")" = org.qemu.guest_agent.0 ] && [ -c "/dev/${p##*/}" ]; then
        port="/dev/${p##*/}"
      fi
    done
    [ -z "$port" ] && sleep 0.05
    i=$((i+1))
  done
  if [ -n "$port" ]; then
    /usr/sbin/qemu-ga -m virtio-serial -p "$port" -t /var/run &
  else
    console "guest: no virtio-serial port org.qemu.guest_agent.0; the agent does not run"
  fi
fi
if [ "$VARIANT" != stubborn ]; then
  # Wait until the power-button input device shows up.
  i=0
  while [ -z "$(ls /dev/input/event* 2>/dev/null)" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
  acpid -c /etc/acpi -l /tmp/acpid.log
  # Ready only once acpid holds the input device, so a power button pressed
  # right after the marker is never lost.
  i=0
  while [ $i -lt 200 ]; do
    pid=$(pidof acpid)
    if [ -n "$pid" ] && ls -l /proc/$pid/fd 2>/dev/null | grep -q /dev/input/event; then break; fi
    sleep 0.05; i=$((i+1))
  done
fi
console "$READY_MARKER variant=$VARIANT"
# plasmavmc.dirty_mib=N: keeps rewriting an N MiB file in RAM (the initramfs root) with random
# bytes, in the background, so a live migration meets a guest that dirties its memory as it is
# copied. Random, not zeros: QEMU sends a zero page as a flag, which would hide the cost.
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    plasmavmc.dirty_mib=*)
      mib="${arg#*=}"
      # The first round, timed by /proc/uptime, tells how fast the guest dirties its memory.
      ( t0=$(cut -d ' ' -f 1 /proc/uptime)
        dd if=/dev/urandom of=/tmp/dirty bs=1048576 count="$mib" conv=notrunc 2>/dev/null
        t1=$(cut -d ' ' -f 1 /proc/uptime)
        console "guest: dirtying $mib MiB of memory in a loop; $(awk -v m="$mib" -v a="$t0" -v b="$t1" \
          'BEGIN { s = b - a; if (s < 0.01) s = 0.01; printf "the first round took %.2f s: %.1f MiB/s", s, m / s }')"
        while true; do dd if=/dev/urandom of=/tmp/dirty bs=1048576 count="$mib" conv=notrunc 2>/dev/null; done ) & ;;
  esac
done
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    plasmavmc.poweroff_after=*)
      sleep "${arg#*=}"
      console "guest: powering itself off"
      poweroff -f ;;
  esac
done
while true; do sleep 3600; done
INIT
  } > "$root/init"
  chmod 755 "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$OUT/initrd-$variant.img.tmp"
  mv "$OUT/initrd-$variant.img.tmp" "$OUT/initrd-$variant.img"
}

build_disk() { # $1 = variant: disk-<variant>.qcow2 booting vmlinuz and initrd-<variant>.img through SYSLINUX
  local variant="$1" raw="$WORK/disk.raw" kernel="$WORK/kernel/boot/vmlinuz-$KVER" initrd="$OUT/initrd-$1.img"
  local mib=$((1024 * 1024))
  # Partition 1 (FAT16, bootable): the kernel and initramfs with 2 MiB to spare for FAT's tables,
  # SYSLINUX and its config. Partition 2: the boot log, 1 MiB (one sector is used; the MiB keeps
  # both partitions aligned as partitioning tools do). 1 MiB alignment before partition 1 as well.
  local payload=$(( $(stat -c %s "$kernel") + $(stat -c %s "$initrd") ))
  local p1_start=2048 p1_sectors=$(( ((payload + mib - 1) / mib + 2) * 2048 ))
  local p2_start=$(( p1_start + p1_sectors )) p2_sectors=2048
  local fat="$raw@@$(( p1_start * 512 ))"
  rm -f "$raw"
  truncate -s $(( (p2_start + p2_sectors) * 512 )) "$raw"
  # Fixed disk and volume ids: the same inputs make the same partition table and filesystem header.
  sfdisk --quiet "$raw" <<EOF
label: dos
label-id: 0x504c4153
unit: sectors
start=$p1_start, size=$p1_sectors, type=e, bootable
start=$p2_start, size=$p2_sectors, type=da
EOF
  # --offset writes the filesystem into the partition, inside the file; -h (hidden sectors: the
  # sectors before the partition) is what a FAT boot sector uses to find itself on the disk.
  # (Its warning that the file is larger than the filesystem is expected: quiet unless it fails.)
  local out
  out="$(mkfs.fat -F 16 -n PLASMAVMC -i 504c4153 -h "$p1_start" --offset "$p1_start" "$raw" $(( p1_sectors / 2 )) 2>&1)" \
    || { echo "guest: mkfs.fat failed: $out" >&2; exit 1; }
  # mtools writes into the filesystem through the file at the partition's byte offset (no mount);
  # its geometry check would refuse a filesystem whose size is no multiple of a track.
  export MTOOLS_SKIP_CHECK=1
  cat > "$WORK/syslinux.cfg" <<EOF
# Boots at once (no prompt); SYSLINUX says on the serial console, too, that it runs.
SERIAL 0 115200
DEFAULT guest
PROMPT 0
TIMEOUT 0
LABEL guest
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND $CMDLINE
EOF
  mcopy -i "$fat" "$kernel" ::vmlinuz
  mcopy -i "$fat" "$initrd" ::initrd.img
  mcopy -i "$fat" "$WORK/syslinux.cfg" ::syslinux.cfg
  # Debian's syslinux is SYSLINUX's mtools installer: it writes ldlinux.sys and ldlinux.c32 into the
  # filesystem and its boot sector at the offset, as an ordinary user. extlinux would need a mount.
  syslinux --install --offset $(( p1_start * 512 )) "$raw"
  # The MBR's boot code (440 bytes, before the disk id and the partition table) loads the boot
  # sector of the bootable partition.
  dd if="$SYSLINUX_MBR" of="$raw" bs=440 count=1 conv=notrunc status=none
  printf 'PLASMAVMC-BOOT-LOG boots=0\n' | dd of="$raw" bs=512 seek="$p2_start" count=1 conv=sync,notrunc status=none
  qemu-img convert -f raw -O qcow2 "$raw" "$OUT/disk-$variant.qcow2.tmp"
  mv "$OUT/disk-$variant.qcow2.tmp" "$OUT/disk-$variant.qcow2"
  rm -f "$raw"
}

build_initrd graceful
build_initrd stubborn
build_initrd agent
build_disk graceful
cp "$WORK/kernel/boot/vmlinuz-$KVER" "$OUT/vmlinuz.tmp"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
echo "$PKG" > "$OUT/kernel-package"
echo "$GUEST_VERSION" > "$OUT/version"
chmod 755 "$OUT"
chmod 644 "$OUT"/vmlinuz "$OUT"/initrd-*.img "$OUT"/disk-*.qcow2 "$OUT"/kernel-package "$OUT"/version
echo "guest: built in $OUT ($(du -sh "$OUT" | cut -f1))"
