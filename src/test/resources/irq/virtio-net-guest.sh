#!/usr/bin/env bash
# Boots a Linux guest under QEMU (TCG) with 4 vCPUs and a virtio-net NIC on QEMU's user network,
# and runs kvmtune inside it, from this host's own root shared read-only over 9p (the guest chroots
# into it with its own /proc, /sys and /dev mounted there): with traffic flowing through the NIC it
# reads interrupts, plans with --avoid 2-3, applies the plan, sends traffic again and rolls back.
# Everything the guest saw is written to OUT for the test to check (IrqPlanGuestTest).
#
#   virtio-net-guest.sh KERNEL_DEB OUT          KERNEL_DEB: Debian's linux-image-6.1.0-NN-amd64 .deb
set -euo pipefail
deb=$1 out=$(mkdir -p "$2" && cd "$2" && pwd)
repo=$(cd "$(dirname "$0")/../../../.." && pwd)
work=$(mktemp -d)
httpd=
trap '[ -n "$httpd" ] && kill "$httpd" 2>/dev/null; rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/k"
kver=$(ls "$work/k/lib/modules")
ird=$work/initrd
mkdir -p "$ird"/{bin,dev,proc,sys,tmp,host,out,mods}
cp "$(command -v busybox)" "$ird/bin/busybox"
mods=$work/k/lib/modules/$kver/kernel
for m in drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko drivers/virtio/virtio_pci_legacy_dev.ko \
         drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci.ko fs/netfs/netfs.ko fs/fscache/fscache.ko \
         net/9p/9pnet.ko net/9p/9pnet_virtio.ko fs/9p/9p.ko net/core/failover.ko drivers/net/net_failover.ko \
         drivers/net/virtio_net.ko; do
  [ -f "$mods/$m" ] && cp "$mods/$m" "$ird/mods/"
done
# a file for the guest to fetch, served on the host's loopback (the user network's 10.0.2.2)
mkdir -p "$work/www" && head -c 8M /dev/zero >"$work/www/blob"
port=$((20000 + RANDOM % 20000))
busybox httpd -f -p "127.0.0.1:$port" -h "$work/www" &
httpd=$!
java=$(readlink -f "$(command -v java)")
cat >"$ird/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p \
         failover net_failover virtio_net; do
  [ -f /mods/\$m.ko ] && insmod /mods/\$m.ko
done
mount -t 9p -o trans=virtio,version=9p2000.L out /out
mount -t 9p -o trans=virtio,version=9p2000.L,ro host /host
mount -t proc proc /host/proc; mount -t sysfs sys /host/sys; mount -t devtmpfs dev /host/dev; mount -t tmpfs tmp /host/tmp
mount -t debugfs debugfs /host/sys/kernel/debug 2>/dev/null
nic=\$(ls /sys/class/net | grep -v '^lo\$' | head -1)
ip link set lo up; ip link set "\$nic" up; ip addr add 10.0.2.15/24 dev "\$nic"
echo "\$nic" >/out/nic
traffic() { for i in 1 2 3 4 5 6; do wget -q -O /dev/null http://10.0.2.2:$port/blob || echo "wget failed" >>/out/errors; done; }
kvmtune() { chroot /host $java -XX:TieredStopAtLevel=1 -cp $repo/target/kvmtune.jar dev.kvmtune.cli.Main "\$@"; }
affinities() { for d in /proc/irq/[0-9]*; do echo "\${d##*/} \$(cat \$d/smp_affinity_list)"; done; }
echo "\$(date +%s) start" >/out/timeline
traffic
affinities >/out/affinity-before.txt
cat /proc/interrupts >/out/interrupts-0.txt
traffic
cat /proc/interrupts >/out/interrupts-1.txt
kvmtune irq --interval 0 --format json >/out/irq.json 2>/out/irq.err
kvmtune irq --plan --avoid 2-3 --interval 0 --out /tmp/plan >/out/plan.txt 2>&1
cp /host/tmp/plan/plan.json /out/plan.json
echo "\$(date +%s) planned" >>/out/timeline
kvmtune apply /tmp/plan/plan.json --yes --skip service --journal-dir /tmp/journal >/out/apply.txt 2>&1; echo \$? >/out/apply.rc
affinities >/out/affinity-applied.txt
traffic
cat /proc/interrupts >/out/interrupts-2.txt
traffic
cat /proc/interrupts >/out/interrupts-3.txt
kvmtune rollback --journal-dir /tmp/journal >/out/rollback.txt 2>&1; echo \$? >/out/rollback.rc
affinities >/out/affinity-rolledback.txt
echo "\$(date +%s) done" >>/out/timeline
sync
echo "guest done"
poweroff -f
INIT
chmod +x "$ird/init"
(cd "$ird" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz"
timeout 1500 qemu-system-x86_64 -accel tcg -nodefaults -display none -serial stdio -no-reboot -smp 4 -m 3G \
  -kernel "$work/k/boot/vmlinuz-$kver" -initrd "$work/initrd.gz" -append "console=ttyS0 rdinit=/init quiet" \
  -netdev user,id=n0 -device virtio-net-pci,netdev=n0 \
  -virtfs local,path="$out",mount_tag=out,security_model=none \
  -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap >"$out/guest.log" 2>&1
grep -q "guest done" "$out/guest.log" || { echo "virtio-net-guest.sh: the guest did not finish (see $out/guest.log)" >&2; exit 1; }
