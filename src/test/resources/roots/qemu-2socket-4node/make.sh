#!/usr/bin/env bash
# Captures this scenario for real: boots Debian's stock kernel (linux-image-amd64) under QEMU TCG as
# a 2-socket, 4-NUMA-node, 16-CPU SMT machine with uneven node memory, and runs `kvmtune capture`
# inside it. The guest's root is a busybox initramfs; the JDK, the libraries and kvmtune's jar are
# the host's, shared read-only over 9p; the snapshot comes back over a second, writable 9p share.
#
#   apt-get download linux-image-6.1.0-*-amd64 busybox-static   (or pass the .deb paths)
#   make.sh KERNEL.deb BUSYBOX.deb
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../../.." && pwd)
kdeb=$1 bbdeb=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# a copy of the built jar, so a rebuild during the (slow, emulated) boot cannot pull it away
cp -r "$repo/target/kvmtune.jar" "$repo/target/lib" "$work/"
dpkg-deb -x "$kdeb" "$work/k"
dpkg-deb -x "$bbdeb" "$work/bb"
kver=$(ls "$work/k/lib/modules")
mods="$work/k/lib/modules/$kver/kernel"
ird="$work/initrd"
mkdir -p "$ird"/{bin,dev,proc,sys,tmp,host,out,etc,mods,run,boot}
cp "$work/k/boot/config-$kver" "$ird/boot/"   # the guest kernel's build options, where capture looks for them
cp "$work/bb/bin/busybox" "$ird/bin/busybox"
for m in drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko drivers/virtio/virtio_pci_legacy_dev.ko \
         drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci.ko fs/netfs/netfs.ko fs/fscache/fscache.ko \
         net/9p/9pnet.ko net/9p/9pnet_virtio.ko fs/9p/9p.ko; do
  cp "$mods/$m" "$ird/mods/"
done
cat >"$ird/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do
  insmod /mods/$m.ko
done
mount -t 9p -o trans=virtio,version=9p2000.L,ro host /host
mount -t 9p -o trans=virtio,version=9p2000.L out /out
for d in lib lib64 usr etc/java-17-openjdk; do ln -s /host/$d /$d; done
echo "root:x:0:0:root:/root:/bin/sh" >/etc/passwd
/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xshare:off -cp "/host$WORK/kvmtune.jar" dev.kvmtune.cli.Main \
  capture -o /out/snapshot.tar.gz >/out/capture.log 2>&1
echo "capture exit $?" >>/out/capture.log
sync
poweroff -f
INIT
sed -i "s|\$WORK|$work|" "$ird/init"
chmod +x "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
mkdir -p "$work/out"
# 2 sockets x 2 nodes x 2 cores x 2 threads; node memory 3G, 1G, 2G, 2G; SLIT 10/12 within a socket, 20/22 across.
timeout 900 qemu-system-x86_64 -accel tcg -cpu max,vendor=GenuineIntel -nodefaults -display none -serial stdio -no-reboot \
  -smp 16,sockets=2,dies=1,cores=4,threads=2 -m 8G \
  -object memory-backend-ram,id=m0,size=3G -object memory-backend-ram,id=m1,size=1G \
  -object memory-backend-ram,id=m2,size=2G -object memory-backend-ram,id=m3,size=2G \
  -numa node,nodeid=0,cpus=0-3,memdev=m0 -numa node,nodeid=1,cpus=4-7,memdev=m1 \
  -numa node,nodeid=2,cpus=8-11,memdev=m2 -numa node,nodeid=3,cpus=12-15,memdev=m3 \
  -numa dist,src=0,dst=1,val=12 -numa dist,src=0,dst=2,val=20 -numa dist,src=0,dst=3,val=22 \
  -numa dist,src=1,dst=2,val=22 -numa dist,src=1,dst=3,val=20 -numa dist,src=2,dst=3,val=12 \
  -kernel "$work/k/boot/vmlinuz-$kver" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 rdinit=/init quiet hugepagesz=1G hugepages=0:1,2:1 default_hugepagesz=2M" \
  -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on \
  -virtfs local,path="$work/out",mount_tag=out,security_model=none
cat "$work/out/capture.log"
cp "$work/out/snapshot.tar.gz" "$here/snapshot.tar.gz"
echo "wrote $here/snapshot.tar.gz"
