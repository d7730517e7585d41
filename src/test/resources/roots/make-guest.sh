#!/usr/bin/env bash
# Captures one corpus scenario from a real Linux guest: boots Debian's stock kernel under QEMU TCG
# with the topology in SCENARIO/guest.conf, copies the guest's /proc and /sys (the parts kvmtune and
# lscpu read) inside the guest, runs the guest's own lscpu there as the expected answer, and turns
# the copied tree into a kvmtune snapshot on the host (`kvmtune --root TREE capture`).
#
#   apt-get download linux-image-6.1.0-NN-amd64 busybox-static         # x86_64 scenarios
#   apt-get download linux-image-6.1.0-NN-arm64:arm64 busybox-static:arm64 \
#       util-linux:arm64 libsmartcols1:arm64 libc6:arm64               # aarch64 (dpkg --add-architecture arm64)
#   make-guest.sh SCENARIO_DIR DEB_DIR
#   make-guest.sh --recapture SCENARIO_DIR     # the snapshot again from the kept guest tree, no boot
#
# guest.conf is shell: ARCH (x86_64|aarch64), ACCEL (default tcg; tcg,thread=single for hundreds of vCPUs
# on a small host, where one thread per vCPU starves the guest's RCU), SMP, MEM, CPU, MACHINE, EXTRA (more QEMU arguments),
# APPEND (kernel arguments), PREP (busybox shell run in the guest before the copy), DTS_PATCH
# (aarch64: a sed script applied to the machine's own device tree, for what QEMU cannot express).
# Writes SCENARIO/guest-tree.tar.gz (the guest's copy: what kvmtune and lscpu may read),
# snapshot.tar.gz (what kvmtune read of it), lscpu.txt (lscpu), lscpu-parse.txt (lscpu -p with every
# topology column), lscpu-caches.txt (lscpu -C) and guest.log. When kvmtune learns to read another
# file, --recapture makes the snapshot again from guest-tree.tar.gz.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../../.." && pwd)
jar=$repo/target/kvmtune.jar
capture() { # guest tree tarball, scenario dir
  local t; t=$(mktemp -d)
  tar xzf "$1" -C "$t"
  java -cp "$jar" dev.kvmtune.cli.Main --root "$t" capture -o "$2/snapshot.tar.gz"
  rm -rf "$t"
}
if [ "${1:-}" = --recapture ]; then
  scen=$(cd "$2" && pwd)
  capture "$scen/guest-tree.tar.gz" "$scen"
  exit 0
fi
scen=$(cd "$1" && pwd) debs=$(cd "$2" && pwd)
ARCH= ACCEL=tcg SMP= MEM=4G CPU= MACHINE= EXTRA= APPEND= PREP=: DTS_PATCH=
# shellcheck source=/dev/null
. "$scen/guest.conf"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# a copy of the built jar, so that a rebuild during the (slow, emulated) boot cannot pull it away
mkdir "$work/app" && cp -r "$repo/target/kvmtune.jar" "$repo/target/lib" "$work/app/" && jar=$work/app/kvmtune.jar
case $ARCH in
  x86_64)  deb=amd64 qemu=qemu-system-x86_64 console=ttyS0 triplet=x86_64-linux-gnu ;;
  aarch64) deb=arm64 qemu=qemu-system-aarch64 console=ttyAMA0 triplet=aarch64-linux-gnu ;;
  ppc64le) deb=ppc64el qemu=qemu-system-ppc64 console=hvc0 triplet=powerpc64le-linux-gnu ;;
  *) echo "make-guest.sh: ARCH must be x86_64, aarch64 or ppc64le, not '$ARCH'" >&2; exit 2 ;;
esac
one() { local f; f=$(ls "$debs"/$1_*_"$deb".deb 2>/dev/null | sort -V | tail -1); [ -n "$f" ] || { echo "make-guest.sh: no $1 .deb for $deb in $debs" >&2; exit 2; }; echo "$f"; }
dpkg-deb -x "$(one 'linux-image-6.1.0-*')" "$work/k"
dpkg-deb -x "$(one busybox-static)" "$work/bb"
kver=$(ls "$work/k/lib/modules")
ird=$work/initrd
mkdir -p "$ird"/{bin,dev,proc,sys,tmp,out,mods,boot,usr/bin,lib,lib64,etc}
cp "$work/k/boot/config-$kver" "$ird/boot/"
cp "$work/bb/bin/busybox" "$ird/bin/busybox"
# the guest's own lscpu: the host's binary and libraries on x86_64, Debian's for the guest's
# architecture elsewhere (the dynamic loader keeps the path the binary names: lib/ or lib64/)
if [ "$ARCH" = x86_64 ]; then
  cp /usr/bin/lscpu "$ird/usr/bin/"
  for l in $(ldd /usr/bin/lscpu | grep -o '/[^ ]*'); do mkdir -p "$ird$(dirname "$l")"; cp -L "$l" "$ird$l"; done
else
  for p in util-linux libsmartcols1 libc6; do dpkg-deb -x "$(one $p)" "$work/u"; done
  cp "$work/u/usr/bin/lscpu" "$ird/usr/bin/"
  mkdir -p "$ird/lib/$triplet"
  cp -L "$work/u/lib/$triplet/libc.so.6" "$work"/u/lib/"$triplet"/ld*.so* "$ird/lib/$triplet/"
  cp -L "$(ls "$work"/u/{lib,usr/lib}/"$triplet"/libsmartcols.so.1 2>/dev/null | head -1)" "$ird/lib/$triplet/"
  for d in lib lib64; do
    for l in "$work/u/$d"/ld*; do [ -L "$l" ] && mkdir -p "$ird/$d" && cp -a "$l" "$ird/$d/"; done
  done
fi
mods=$work/k/lib/modules/$kver/kernel
for m in drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko drivers/virtio/virtio_pci_legacy_dev.ko \
         drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci.ko fs/netfs/netfs.ko fs/fscache/fscache.ko \
         net/9p/9pnet.ko net/9p/9pnet_virtio.ko fs/9p/9p.ko; do
  [ -f "$mods/$m" ] && cp "$mods/$m" "$ird/mods/"
done
{
  cat <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do
  [ -f /mods/$m.ko ] && insmod /mods/$m.ko
done
mount -t 9p -o trans=virtio,version=9p2000.L out /out
INIT
  printf '%s\n' "$PREP"
  cat <<'INIT'
t=/tmp/tree
# regular files are read with cat (sysfs sizes are not their lengths), unreadable ones left out;
# the NUMA links between cpuN and nodeM are kept as the kernel has them
copy() {
  find "$@" -type f 2>/dev/null | while read -r f; do
    mkdir -p "$t${f%/*}"; cat "$f" >"$t$f" 2>/dev/null || rm -f "$t$f"
  done
}
copy /proc/cpuinfo /proc/meminfo /proc/cmdline /proc/version /proc/interrupts /proc/softirqs /proc/stat \
     /proc/swaps /proc/modules /proc/mounts /proc/filesystems /proc/vmstat /proc/zoneinfo /proc/sys/kernel \
     /proc/sys/vm /proc/irq /sys/devices/system /sys/kernel/mm /sys/devices/virtual/workqueue /boot \
     /sys/devices/cpu_core/cpus /sys/devices/cpu_atom/cpus
for m in /sys/module/*/parameters; do copy "$m"; done
# the processes and threads (kernel threads, the init shell): what capture reads of them
for p in /proc/[0-9]*; do
  copy "$p/cmdline" "$p/comm" "$p/stat" "$p/status"
  for k in "$p"/task/[0-9]*; do copy "$k/comm" "$k/stat" "$k/status"; done
done
find /sys/devices/system/cpu /sys/devices/system/node -maxdepth 2 -type l 2>/dev/null | while read -r l; do
  case ${l##*/} in node[0-9]*|cpu[0-9]*) mkdir -p "$t${l%/*}"; ln -s "$(readlink "$l")" "$t$l" ;; esac
done
for l in /sys/bus/workqueue/devices/writeback; do [ -L "$l" ] && mkdir -p "$t${l%/*}" && ln -s "$(readlink "$l")" "$t$l"; done
# directories whose emptiness is the fact (no IOMMU, no block device)
for d in /sys/class/iommu /sys/kernel/iommu_groups /sys/block; do [ -d "$d" ] && mkdir -p "$t$d"; done
mkdir -p /tmp/ref
lscpu >/tmp/ref/lscpu.txt 2>&1
lscpu -p=CPU,CORE,SOCKET,CLUSTER,NODE,BOOK,DRAWER,CACHE,ONLINE -a >/tmp/ref/lscpu-parse.txt 2>&1
lscpu -C >/tmp/ref/lscpu-caches.txt 2>&1
tar czf /out/tree.tar.gz -C $t .
cp /tmp/ref/* /out/
echo "guest done"
sync
poweroff -f
INIT
} >"$ird/init"
chmod +x "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
mkdir -p "$work/out"
args=(-accel "$ACCEL" -nodefaults -display none -serial stdio -no-reboot -smp "$SMP" -m "$MEM"
      -kernel "$(ls "$work"/k/boot/vmlinu[xz]-"$kver")" -initrd "$work/initrd.gz"
      -append "console=$console rdinit=/init quiet $APPEND"
      -virtfs local,path="$work/out",mount_tag=out,security_model=none)
[ -n "$CPU" ] && args+=(-cpu "$CPU")
[ -n "$MACHINE" ] && args+=(-M "$MACHINE")
# shellcheck disable=SC2206
args+=($EXTRA)
if [ -n "$DTS_PATCH" ]; then
  "$qemu" "${args[@]}" -M "${MACHINE:-virt},dumpdtb=$work/machine.dtb" >/dev/null
  dtc -q -I dtb -O dts "$work/machine.dtb" | sed -e "$DTS_PATCH" >"$work/machine.dts"
  dtc -q -I dts -O dtb "$work/machine.dts" -o "$work/machine.dtb"
  args+=(-dtb "$work/machine.dtb")
fi
timeout 1800 "$qemu" "${args[@]}" | tee "$work/guest.log"
[ -f "$work/out/tree.tar.gz" ] || { echo "make-guest.sh: the guest wrote no tree" >&2; exit 1; }
cp "$work/out/tree.tar.gz" "$scen/guest-tree.tar.gz"
cp "$work"/out/lscpu*.txt "$scen/"
grep -v '^\s*$' "$work/guest.log" >"$scen/guest.log" || true
capture "$scen/guest-tree.tar.gz" "$scen"
echo "wrote $scen/snapshot.tar.gz and lscpu*.txt"
