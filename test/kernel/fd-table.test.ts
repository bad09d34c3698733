/** The model's process fd table and file references, as the syscalls a consumer makes see them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Errno,
  MAP_SHARED,
  PROT_READ,
  SEEK_END,
  VFIO_DEVICE_GET_INFO,
  isMapping,
} from "../../src/abi/index.ts";
import { createMbochsParent } from "../../src/drivers/bochs/mbochs-parent.ts";
import { FdTable } from "../../src/kernel/fd-table.ts";
import { HostKernel } from "../../src/kernel/host-kernel.ts";
import { OpenFile } from "../../src/kernel/open-file.ts";
import { liveDmaBufCount } from "../../src/kernel/dma-buf.ts";
import { asDmaBuf, bochsFixture } from "../helpers/bochs-fixture.ts";
import { getDeviceInfo, getDmabuf, nextUuid, query } from "../helpers/ioctl-args.ts";

function plainFile(onRelease: () => void = () => {}): OpenFile {
  return new OpenFile({ release: onRelease }, true, false, "test-file");
}

test("fds are the lowest free number from 3; a closed number is reused", () => {
  const t = new FdTable();
  assert.deepEqual([t.install(plainFile()), t.install(plainFile()), t.install(plainFile())], [3, 4, 5]);
  assert.equal(t.close(4), 0);
  assert.equal(t.install(plainFile()), 4);
  assert.equal(t.openCount(), 3);
});

test("past the fd limit install is -EMFILE and the file's reference is dropped", () => {
  const t = new FdTable(5);
  let released = 0;
  assert.equal(t.install(plainFile()), 3);
  assert.equal(t.install(plainFile()), 4);
  assert.equal(t.install(plainFile(() => released++)), -Errno.EMFILE);
  assert.equal(released, 1);
});

test("syscalls on an fd that is not open are -EBADF; a file without the operation answers as Linux does", () => {
  const t = new FdTable();
  for (const fd of [-1, 0, 3, 999, 1.5]) {
    assert.equal(t.close(fd), -Errno.EBADF, `close ${fd}`);
    assert.equal(t.ioctl(fd, VFIO_DEVICE_GET_INFO, new Uint8Array(16)), -Errno.EBADF);
    assert.equal(t.pread(fd, new Uint8Array(4), 0), -Errno.EBADF);
    assert.equal(t.mmap(fd, 4096, PROT_READ, MAP_SHARED, 0), -Errno.EBADF);
    assert.equal(t.dup(fd), -Errno.EBADF);
  }
  const fd = t.install(plainFile());
  assert.equal(t.ioctl(fd, VFIO_DEVICE_GET_INFO, new Uint8Array(16)), -Errno.ENOTTY);
  assert.equal(t.pread(fd, new Uint8Array(4), 0), -Errno.EINVAL);
  assert.equal(t.pwrite(fd, new Uint8Array(4), 0), -Errno.EBADF, "not opened for writing");
  assert.equal(t.lseek(fd, 0, SEEK_END), -Errno.ESPIPE);
  assert.equal(t.mmap(fd, 4096, PROT_READ, MAP_SHARED, 0), -Errno.ENODEV);
});

test("dup shares one file description; it is released when the last fd closes", () => {
  const t = new FdTable();
  let released = 0;
  const a = t.install(plainFile(() => released++));
  const b = t.dup(a);
  assert.notEqual(a, b);
  t.close(a);
  assert.equal(released, 0);
  t.close(b);
  assert.equal(released, 1);
});

test("a device stays open while a mapping of it lives, even after its fd is closed", () => {
  const kernel = new HostKernel().registerParent(createMbochsParent());
  const uuid = nextUuid();
  kernel.bus.create("mbochs", "mbochs-small", uuid);
  const dev = kernel.openDevice(uuid);
  assert.ok(typeof dev !== "number");
  const map = dev.mmap(4096, PROT_READ, MAP_SHARED, 0x3000);
  assert.ok(isMapping(map));
  assert.equal(dev.close(), 0);
  assert.equal(kernel.bus.get(uuid)!.device.openCount, 1, "the VMA holds the device");
  map.unmap();
  map.unmap(); // a second unmap is harmless
  assert.equal(kernel.bus.get(uuid)!.device.openCount, 0);
});

test("mdev removal cuts open fds off with -ENODEV", () => {
  const { kernel, uuid, dev } = bochsFixture();
  assert.equal(getDeviceInfo(dev).ret, 0);
  assert.equal(kernel.bus.remove(uuid), 0);
  assert.equal(getDeviceInfo(dev).ret, -Errno.ENODEV);
  assert.equal(dev.pread(new Uint8Array(2), 0x1500), -Errno.ENODEV);
  assert.equal(dev.mmap(4096, PROT_READ, MAP_SHARED, 0x3000), -Errno.ENODEV);
});

test("dma-bufs live until their last fd and mapping are gone, and outlive the device", () => {
  const { dev, guest, guestDev } = bochsFixture();
  guest.setMode({ width: 640, height: 480 });
  const base = liveDmaBufCount();
  const buf = asDmaBuf(dev, getDmabuf(dev, query(dev, 2, 1).info.id));
  const map = buf.mmap(4096, PROT_READ, MAP_SHARED);
  assert.ok(isMapping(map));
  assert.equal(liveDmaBufCount(), base + 1);
  guest.detach();
  guestDev.close();
  dev.close();
  assert.equal(buf.size(), 640 * 480 * 4, "the dma-buf fd works after the device closed");
  assert.equal(buf.close(), 0);
  assert.equal(liveDmaBufCount(), base + 1, "the mapping still holds the buffer");
  map.unmap();
  assert.equal(liveDmaBufCount(), base);
  assert.equal(dev.dmaBuf(buf.fd), -Errno.EBADF);
});

test("dmaBuf() refuses an fd that is not a dma-buf", () => {
  const { dev } = bochsFixture();
  assert.equal(dev.dmaBuf(dev.fd), -Errno.EBADF);
  assert.equal(dev.dmaBuf(12345), -Errno.EBADF);
});
