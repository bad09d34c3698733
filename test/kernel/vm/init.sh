#!/bin/busybox sh
# The conformance VM's init: mount the pseudo filesystems, load the mdev samples, run the project's VM
# entry point with node through the native backend, power off. Everything goes to the serial console.
/bin/busybox mkdir -p /proc /sys /dev /tmp /usr/sbin /sbin /usr/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
echo "vm: init up after $(cut -d' ' -f1 /proc/uptime)s"
kver="$(uname -r)"
for m in mbochs mdpy; do
  insmod "/lib/modules/$kver/kernel/samples/vfio-mdev/$m.ko" || echo "vm: insmod $m failed"
done
ls /sys/class/mdev_bus/ >/dev/null 2>&1 && echo "vm: mdev parents: $(ls /sys/class/mdev_bus/)"
ls -l /dev/vfio/ 2>&1 | sed 's/^/vm: /'
echo "vm: node starts at $(cut -d' ' -f1 /proc/uptime)s"
cd /app && /usr/bin/node /app/vm-main.mjs
echo "vm: node exited $? at $(cut -d' ' -f1 /proc/uptime)s"
# tinyconfig has no ACPI, so power-off only halts; a reboot ends QEMU, which runs with -no-reboot.
reboot -f
