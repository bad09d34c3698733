/**
 * A plausible Linux boot log for a Debian guest with a mediated vGPU: kernel messages with dmesg
 * timestamps, then systemd's "[  OK  ] Started ..." lines. Every number that varies between boots
 * (timings, sizes, UUIDs) comes from the seeded generator, so one seed gives one log.
 */
import { Prng } from "./prng.ts";

export interface BootLine {
  /** virtual time (ms since power-on) at which the line is printed */
  atMs: number;
  text: string;
  /** a systemd status line: "[  OK  ] " is printed in front, OK in green */
  ok: boolean;
}

export interface BootLogOptions {
  seed: number;
  /** how many lines (default 48) */
  lines?: number;
  /** roughly how long the boot takes in virtual time (default 2500 ms) */
  durationMs?: number;
  hostname?: string;
  /** the console size fbcon reports */
  cols: number;
  rows: number;
  /** the PCI id line of the display device (default the Bochs VGA) */
  displayDriver?: "bochs" | "mdpy" | "gvt";
}

export const KERNEL_RELEASE = "6.1.0-28-amd64";
export const KERNEL_VERSION = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)";

function hex(p: Prng, digits: number): string {
  let s = "";
  for (let i = 0; i < digits; i++) s += "0123456789abcdef"[p.int(0, 16)];
  return s;
}

function uuid(p: Prng): string {
  return `${hex(p, 8)}-${hex(p, 4)}-4${hex(p, 3)}-${"89ab"[p.int(0, 4)]}${hex(p, 3)}-${hex(p, 12)}`;
}

function kernelLines(p: Prng, o: BootLogOptions): string[] {
  const host = o.hostname ?? "vgpu";
  const memK = p.pick([2097152, 4194304, 8388608]);
  const mhz = (p.int(2000, 3600) + p.int(0, 1000) / 1000).toFixed(3);
  const rootUuid = uuid(p);
  const cpus = p.pick([1, 2, 4]);
  const display: Record<string, string[]> = {
    bochs: [
      "pci 0000:00:02.0: [1234:1111] type 00 class 0x030000",
      "pci 0000:00:02.0: reg 0x10: [mem 0xfc000000-0xfcffffff pref]",
      "[drm] Found bochs VGA, ID 0xb0c5.",
      "[drm] Framebuffer size 16384 kB @ 0xfc000000, mmio @ 0xfebd4000.",
      "[drm] Initialized bochs-drm 1.0.0 20130925 for 0000:00:02.0 on minor 0",
      "fbcon: bochs-drmdrmfb (fb0) is primary device",
    ],
    mdpy: [
      "pci 0000:00:02.0: [1b36:000f] type 00 class 0x030000",
      "pci 0000:00:02.0: reg 0x10: [mem 0xfc000000-0xfcffffff pref]",
      "mdpy-fb 0000:00:02.0: format 0x34325258, 1024x768 -> fb0",
      "fbcon: mdpy-fb (fb0) is primary device",
    ],
    gvt: [
      "pci 0000:00:02.0: [8086:3e92] type 00 class 0x030000",
      "i915 0000:00:02.0: vgaarb: deactivate vga console",
      "i915 0000:00:02.0: Running in SR-IOV/GVT-g guest mode",
      "[drm] Initialized i915 1.6.0 20201103 for 0000:00:02.0 on minor 0",
      "fbcon: i915drmfb (fb0) is primary device",
    ],
  };
  const t = (n: number): string => n.toString();
  return [
    `Linux version ${KERNEL_RELEASE} (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) ${KERNEL_VERSION}`,
    `Command line: BOOT_IMAGE=/boot/vmlinuz-${KERNEL_RELEASE} root=UUID=${rootUuid} ro quiet`,
    "BIOS-provided physical RAM map:",
    "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
    "BIOS-e820: [mem 0x0000000000100000-0x000000007ffdcfff] usable",
    "NX (Execute Disable) protection: active",
    "DMI: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014",
    "Hypervisor detected: KVM",
    `tsc: Detected ${mhz} MHz processor`,
    `Memory: ${memK - p.int(150000, 220000)}K/${memK}K available (14336K kernel code, 2387K rwdata)`,
    `smpboot: Allowing ${cpus} CPUs, 0 hotplug CPUs`,
    "Console: colour dummy device 80x25",
    "printk: console [tty0] enabled",
    "ACPI: Core revision 20220331",
    `smp: Brought up 1 node, ${cpus} CPU${cpus > 1 ? "s" : ""}`,
    "devtmpfs: initialized",
    "NET: Registered PF_NETLINK/PF_ROUTE protocol family",
    "PCI: Using configuration type 1 for base access",
    ...display[o.displayDriver ?? "bochs"]!.slice(0, 2),
    "pci 0000:00:1f.0: quirk: [io  0x0600-0x067f] claimed by ICH6 ACPI/GPIO/TCO",
    "SCSI subsystem initialized",
    "clocksource: Switched to clocksource kvm-clock",
    "NET: Registered PF_INET protocol family",
    "Trying to unpack rootfs image as initramfs...",
    `Freeing initrd memory: ${p.int(30000, 60000)}K`,
    "Serial: 8250/16550 driver, 4 ports, IRQ sharing enabled",
    "rtc_cmos 00:04: RTC can wake from S4",
    "NET: Registered PF_INET6 protocol family",
    "Freeing unused kernel image (initmem) memory: 2800K",
    "Run /init as init process",
    "virtio_blk virtio2: [vda] 41943040 512-byte logical blocks (21.5 GB/20.0 GiB)",
    " vda: vda1 vda2 < vda5 >",
    ...display[o.displayDriver ?? "bochs"]!.slice(2),
    `Console: switching to colour frame buffer device ${t(o.cols)}x${t(o.rows)}`,
    `EXT4-fs (vda1): mounted filesystem ${rootUuid} with ordered data mode. Quota mode: none.`,
    "Not activating Mandatory Access Control as /sbin/tomoyo-init does not exist.",
    "systemd[1]: systemd 252.33-1~deb12u1 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR +SECCOMP)",
    "systemd[1]: Detected virtualization kvm.",
    `systemd[1]: Hostname set to <${host}>.`,
    "random: crng init done",
    `virtio_net virtio1 enp1s0: renamed from eth0`,
    "input: QEMU QEMU USB Tablet as /devices/pci0000:00/0000:00:1d.0/usb1/1-1/1-1:1.0/input/input5",
    "hid-generic 0003:0627:0001.0001: input,hidraw0: USB HID v0.01 Mouse [QEMU QEMU USB Tablet] on usb-0000:00:1d.0-1/input0",
  ];
}

const UNITS: readonly string[] = [
  "Started systemd-journald.service - Journal Service.",
  "Finished systemd-remount-fs.service - Remount Root and Kernel File Systems.",
  "Started systemd-udevd.service - Rule-based Manager for Device Events and Files.",
  "Reached target local-fs.target - Local File Systems.",
  "Finished systemd-tmpfiles-setup.service - Create Volatile Files and Directories.",
  "Started systemd-timesyncd.service - Network Time Synchronization.",
  "Reached target sysinit.target - System Initialization.",
  "Listening on dbus.socket - D-Bus System Message Bus Socket.",
  "Reached target sockets.target - Socket Units.",
  "Reached target basic.target - Basic System.",
  "Started cron.service - Regular background program processing daemon.",
  "Started dbus.service - D-Bus System Message Bus.",
  "Started spice-vdagentd.service - Agent daemon for Spice guests.",
  "Started systemd-logind.service - User Login Management.",
  "Finished networking.service - Raise network interfaces.",
  "Reached target network.target - Network.",
  "Started ssh.service - OpenBSD Secure Shell server.",
  "Started getty@tty1.service - Getty on tty1.",
  "Reached target getty.target - Login Prompts.",
  "Reached target multi-user.target - Multi-User System.",
];

/** The boot log for these options: `lines` lines in order, spread over about `durationMs`. */
export function bootLog(o: BootLogOptions): BootLine[] {
  const p = new Prng(o.seed).fork("boot-log");
  const kernel = kernelLines(p, o);
  const all: Array<{ text: string; ok: boolean }> = [
    ...kernel.map((text) => ({ text, ok: false })),
    ...UNITS.map((text) => ({ text, ok: true })),
  ];
  const want = Math.max(0, Math.floor(o.lines ?? 48));
  // Keep `want` lines in order: drop random ones (never the first or the last few, which tell the story).
  while (all.length > want && all.length > 0) {
    const protectedTail = Math.min(3, all.length - 1);
    const i = all.length - protectedTail > 1 ? p.int(1, all.length - protectedTail) : all.length - 1;
    all.splice(i, 1);
  }
  while (all.length < want) {
    const n = all.length;
    all.splice(Math.min(n, p.int(1, Math.max(2, n))), 0, {
      text: `usb 1-${p.int(1, 5)}: new high-speed USB device number ${p.int(2, 20)} using xhci_hcd`,
      ok: false,
    });
  }
  const duration = o.durationMs ?? 2500;
  const meanGap = all.length > 0 ? duration / all.length : 0;
  let atMs = 0;
  let kernelUs = 0;
  return all.map((line) => {
    atMs += p.range(0.2, 1.8) * meanGap;
    kernelUs += p.int(500, 120_000);
    const stamp = `[${String(Math.floor(kernelUs / 1e6)).padStart(5, " ")}.${String(kernelUs % 1e6).padStart(6, "0")}] `;
    return { atMs, text: line.ok ? line.text : stamp + line.text, ok: line.ok };
  });
}
