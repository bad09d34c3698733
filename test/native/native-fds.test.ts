/**
 * The native backend on real fds that exist on any Linux machine (no /dev/vfio needed): a memfd stands in
 * for a device file, a pipe for an ioctl target, an eventfd for an IRQ.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { openSync, closeSync, writeSync } from "node:fs";
import { Errno, MAP_SHARED, PROT_READ, PROT_WRITE, SEEK_END, isMapping } from "../../src/abi/index.ts";
import { libc } from "../../src/native/libc.ts";
import { NativeDeviceFile, NativeDmaBufFile, NativeFd, NativeMapping, fdKind } from "../../src/native/index.ts";

const FIONREAD = 0x541b;
const MFD_CLOEXEC = 1;

function memfd(size: number): number {
  const c = libc();
  const fd = c.memfdCreate("vfio-display-test", MFD_CLOEXEC);
  assert.ok(fd >= 0, `memfd_create: errno ${c.errno()}`);
  const f = new NativeFd(fd);
  // ftruncate through Node: fs works on any raw fd.
  const zero = new Uint8Array(1);
  assert.equal(f.pwrite(zero, size - 1), 1);
  return fd;
}

test("ioctl with a pointer argument: FIONREAD on a pipe reports the bytes waiting", () => {
  const fds = new Int32Array(2);
  assert.equal(libc().pipe(fds), 0);
  const reader = new NativeFd(fds[0]!);
  const writer = new NativeFd(fds[1]!);
  writeSync(writer.fd, Buffer.from("hello"));
  const n = new Uint8Array(4);
  assert.equal(reader.ioctl(FIONREAD, n), 0);
  assert.equal(new DataView(n.buffer).getInt32(0, true), 5);
  // An ioctl the file does not know answers -ENOTTY, as the syscall does.
  assert.equal(reader.ioctl(0x3b72, new Uint8Array(64)), -Errno.ENOTTY);
  assert.equal(reader.close(), 0);
  assert.equal(writer.close(), 0);
  assert.equal(reader.ioctl(FIONREAD, n), -Errno.EBADF, "a closed fd answers -EBADF without a syscall");
  assert.equal(reader.close(), -Errno.EBADF);
});

test("ioctl with a value argument reaches the kernel with the third register set", () => {
  const fd = memfd(4096);
  const f = new NativeFd(fd);
  // FIONBIO takes a pointer; as a value 0 the kernel reads from address 0 → EFAULT: proof the value passed.
  assert.equal(f.ioctl(0x5421, 0), -Errno.EFAULT);
  assert.equal(f.ioctl(0x5421, -1), -Errno.EINVAL, "negative value arguments are refused before the call");
  f.close();
});

test("a memfd through NativeDeviceFile: pread/pwrite at offsets, mmap shared both ways", () => {
  const size = 3 * 4096;
  const dev = new NativeDeviceFile(memfd(size), "memfd");
  const pattern = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(dev.pwrite(pattern, 4096 + 10), 8);
  const m = dev.mmap(size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
  assert.ok(isMapping(m), `mmap: ${String(m)}`);
  assert.deepEqual([...m.bytes.subarray(4096 + 10, 4096 + 18)], [...pattern], "fd write visible through the mapping");
  m.bytes[2 * 4096] = 0xab;
  const back = new Uint8Array(1);
  assert.equal(dev.pread(back, 2 * 4096), 1);
  assert.equal(back[0], 0xab, "mapping write visible through pread");
  m.unmap();
  assert.equal(dev.close(), 0);
});

test("mmap of a page in the middle and the kernel's refusals come back as -errno", () => {
  const dev = new NativeDeviceFile(memfd(4 * 4096), "memfd");
  dev.pwrite(new Uint8Array([0x5a]), 2 * 4096);
  const m = dev.mmap(4096, PROT_READ, MAP_SHARED, 2 * 4096);
  assert.ok(isMapping(m));
  assert.equal(m.bytes[0], 0x5a);
  assert.equal(m.bytes.length, 4096);
  m.unmap();
  assert.equal(dev.mmap(4096, PROT_READ, 0, 0), -Errno.EINVAL, "neither SHARED nor PRIVATE");
  assert.equal(dev.mmap(4096, PROT_READ, MAP_SHARED, 100), -Errno.EINVAL, "unaligned offset");
  assert.equal(dev.mmap(0, PROT_READ, MAP_SHARED, 0), -Errno.EINVAL, "length 0");
  dev.close();
});

test("a shared writable mapping of a read-only fd is -EACCES; a read-only one works", () => {
  const fd = memfd(4096);
  const ro = openSync(`/proc/self/fd/${fd}`, "r");
  const f = new NativeFd(ro);
  assert.equal(f.mmap(4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0), -Errno.EACCES);
  const m = f.mmap(4096, PROT_READ, MAP_SHARED, 0);
  assert.ok(isMapping(m));
  m.unmap();
  f.close();
  closeSync(fd);
});

test("after unmap the owner refuses its view, and a view kept from before reads zeros instead of faulting", () => {
  const dev = new NativeDeviceFile(memfd(2 * 4096), "memfd");
  dev.pwrite(new Uint8Array([7, 7, 7, 7]), 0);
  const m = dev.mmap(2 * 4096, PROT_READ, MAP_SHARED, 0) as NativeMapping;
  assert.ok(m instanceof NativeMapping);
  const stale = m.bytes;
  assert.equal(stale[0], 7);
  m.unmap();
  assert.equal(m.isMapped, false);
  assert.throws(() => m.bytes, /used after unmap/);
  // The file's pages are gone from this range (the fd's content is untouched), yet the view is harmless.
  assert.equal(stale[0], 0);
  assert.equal(stale[4095 + 4096], 0);
  const back = new Uint8Array(1);
  dev.pread(back, 0);
  assert.equal(back[0], 7);
  m.unmap(); // twice is a no-op
  dev.close();
});

test("dmaBuf() refuses an fd that is not a dma-buf; the dma-buf file's calls work on any fd", () => {
  const fd = memfd(8192);
  const dev = new NativeDeviceFile(memfd(4096), "memfd");
  assert.match(fdKind(fd), /^\/memfd:vfio-display-test/);
  assert.equal(dev.dmaBuf(fd), -Errno.EBADF);
  assert.equal(dev.dmaBuf(-1), -Errno.EBADF);
  const buf = new NativeDmaBufFile(fd);
  assert.equal(buf.size(), 8192);
  assert.equal(buf.lseek(0, SEEK_END), 8192);
  assert.equal(buf.sync(1), -Errno.ENOTTY, "DMA_BUF_IOCTL_SYNC on a memfd is an unknown ioctl");
  assert.equal(buf.close(), 0);
  assert.equal(buf.size(), -Errno.EBADF);
  dev.close();
});

test("closing a device file closes its companion fds (group and container) after it", () => {
  const companion = new NativeFd(memfd(4096));
  const dev = new NativeDeviceFile(memfd(4096), "memfd", [companion]);
  assert.equal(companion.isOpen, true);
  assert.equal(dev.close(), 0);
  assert.equal(companion.isOpen, false);
  assert.equal(dev.close(), -Errno.EBADF);
  assert.equal(dev.ioctl(FIONREAD, new Uint8Array(4)), -Errno.EBADF);
  assert.equal(dev.pread(new Uint8Array(4), 0), -Errno.EBADF);
});
