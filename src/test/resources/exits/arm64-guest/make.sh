#!/usr/bin/env bash
# Records real arm64 kvm_exit events: boots Debian's arm64 kernel under QEMU TCG with the
# virtualization extension emulated (-M virt,virtualization=on -cpu max), so the guest kernel owns
# EL2 and runs KVM; inside it, kvm-exits.c (a minimal KVM user) runs a vCPU while the guest's
# tracefs records kvm:kvm_exit and kvm:kvm_entry. Writes trace.txt (the raw ftrace buffer),
# kvm_exit.format (the tracepoint's format file) and guest.log here.
#
#   apt-get download linux-image-6.1.0-NN-arm64:arm64 busybox-static:arm64   (dpkg --add-architecture arm64)
#   apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross
#   make.sh DEB_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
debs=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
one() { local f; f=$(ls "$debs"/$1_*_arm64.deb 2>/dev/null | sort -V | tail -1); [ -n "$f" ] || { echo "make.sh: no $1 arm64 .deb in $debs" >&2; exit 2; }; echo "$f"; }
dpkg-deb -x "$(one 'linux-image-6.1.0-*')" "$work/k"
dpkg-deb -x "$(one busybox-static)" "$work/bb"
kver=$(ls "$work/k/lib/modules")
ird=$work/initrd
mkdir -p "$ird"/{bin,dev,proc,sys,tmp,out,mods}
cp "$work/bb/bin/busybox" "$ird/bin/busybox"
aarch64-linux-gnu-gcc -static -O2 -Wall -o "$ird/bin/kvm-exits" "$here/kvm-exits.c"
mods=$work/k/lib/modules/$kver/kernel
for m in drivers/virtio/virtio_pci_legacy_dev.ko drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci.ko \
         fs/netfs/netfs.ko fs/fscache/fscache.ko net/9p/9pnet.ko net/9p/9pnet_virtio.ko fs/9p/9p.ko; do
  cp "$mods/$m" "$ird/mods/"
done
cat >"$ird/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
for m in virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do insmod /mods/$m.ko; done
mount -t 9p -o trans=virtio,version=9p2000.L out /out
mount -t tracefs nodev /sys/kernel/tracing
t=/sys/kernel/tracing
echo 4096 >$t/buffer_size_kb
echo 1 >$t/events/kvm/kvm_exit/enable
echo 1 >$t/events/kvm/kvm_entry/enable
cat $t/events/kvm/kvm_exit/format >/out/kvm_exit.format
/bin/kvm-exits >/out/run.log 2>&1
echo "kvm-exits exit $?" >>/out/run.log
echo 0 >$t/tracing_on
cat $t/trace >/out/trace.txt
dmesg | grep -i kvm >>/out/run.log
sync
poweroff -f
INIT
chmod +x "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
mkdir -p "$work/out"
timeout 1800 qemu-system-aarch64 -accel tcg -M virt,virtualization=on,gic-version=3 -cpu max -smp 2 -m 1G \
  -nodefaults -display none -serial stdio -no-reboot \
  -kernel "$work/k/boot/vmlinuz-$kver" -initrd "$work/initrd.gz" -append "console=ttyAMA0 rdinit=/init quiet" \
  -virtfs local,path="$work/out",mount_tag=out,security_model=none | tee "$work/guest.log"
grep -q '^kvm-exits exit 0$' "$work/out/run.log" && [ -s "$work/out/trace.txt" ] \
  || { echo "make.sh: kvm-exits failed in the guest" >&2; cat "$work/out/run.log" >&2 || true; cp "$work/out/trace.txt" /tmp/arm64-failed-trace.txt 2>/dev/null; exit 1; }
cp "$work/out/trace.txt" "$work/out/kvm_exit.format" "$here/"
cat "$work/out/run.log" "$work/guest.log" | grep -v '^\s*$' >"$here/guest.log" || true
echo "wrote $here/trace.txt"
