/**
 * Setup failures name the syscall, the path and the errno; sysfs handling checked on a fake sysfs tree
 * (plain files and symlinks laid out like /sys/class/mdev_bus and /sys/bus/mdev/devices).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  SyscallError,
  createMdev,
  describeMdev,
  listMdevTypes,
  openMdevIommufd,
  openMdevLegacy,
  openPath,
  removeMdev,
} from "../../src/native/index.ts";

const UUID = "1b8e3a5c-7d2f-4e61-9a0b-3c4d5e6f7a8b";

function fakeSysfs(): { bus: string; devices: string } {
  const root = mkdtempSync(join(tmpdir(), "vfio-display-sysfs-"));
  const bus = join(root, "class/mdev_bus");
  const devices = join(root, "bus/mdev/devices");
  const type = join(bus, "mbochs/mdev_supported_types/mbochs-medium");
  mkdirSync(type, { recursive: true });
  writeFileSync(join(type, "name"), "mbochs-medium\n");
  writeFileSync(join(type, "available_instances"), "16\n");
  writeFileSync(join(type, "device_api"), "vfio-pci\n");
  writeFileSync(join(type, "create"), "");
  const dev = join(root, "devices/mbochs", UUID);
  mkdirSync(dev, { recursive: true });
  mkdirSync(join(root, "kernel/iommu_groups/7"), { recursive: true });
  symlinkSync(type, join(dev, "mdev_type"));
  symlinkSync(join(root, "kernel/iommu_groups/7"), join(dev, "iommu_group"));
  writeFileSync(join(dev, "remove"), "");
  mkdirSync(devices, { recursive: true });
  symlinkSync(dev, join(devices, UUID));
  return { bus, devices };
}

test("open of a missing path: `open <path>: ENOENT`", () => {
  assert.throws(
    () => openPath("/dev/vfio/no-such-group-424242"),
    (e: unknown) => e instanceof SyscallError && e.message === "open /dev/vfio/no-such-group-424242: ENOENT" && e.errno === 2 && e.code === "ENOENT" && e.syscall === "open",
  );
});

test("mdev types are listed from the parent's mdev_supported_types", () => {
  const { bus } = fakeSysfs();
  assert.deepEqual(listMdevTypes(bus), [{ parent: "mbochs", type: "mbochs-medium", name: "mbochs-medium", availableInstances: 16, deviceApi: "vfio-pci" }]);
  assert.deepEqual(listMdevTypes("/nonexistent/mdev_bus"), []);
});

test("create writes the UUID into the type's create file; a missing type names the path and ENOENT", () => {
  const { bus } = fakeSysfs();
  assert.equal(createMdev("mbochs", "mbochs-medium", UUID, bus), `/sys/bus/mdev/devices/${UUID}`);
  assert.equal(readFileSync(join(bus, "mbochs/mdev_supported_types/mbochs-medium/create"), "utf8"), UUID);
  assert.throws(() => createMdev("mbochs", "mbochs-huge", UUID, bus), {
    message: `write ${bus}/mbochs/mdev_supported_types/mbochs-huge/create: ENOENT`,
  });
  assert.throws(() => createMdev("mbochs", "mbochs-medium", "not-a-uuid", bus), /not a UUID: "not-a-uuid"/);
  assert.throws(() => createMdev("../etc", "x", UUID, bus), /parent "..\/etc" is not a sysfs name/);
});

test("remove writes 1 into the device's remove file", () => {
  const { devices } = fakeSysfs();
  removeMdev(UUID, devices);
  assert.equal(readFileSync(join(devices, UUID, "remove"), "utf8"), "1");
  assert.throws(() => removeMdev("00000000-0000-4000-8000-000000000000", devices), {
    message: `write ${devices}/00000000-0000-4000-8000-000000000000/remove: ENOENT`,
  });
});

test("describe an mdev: type and parent from mdev_type, group from iommu_group, no cdev on a 6.1-like tree", () => {
  const { devices } = fakeSysfs();
  const info = describeMdev(join(devices, UUID));
  assert.equal(info.uuid, UUID);
  assert.equal(info.type, "mbochs-medium");
  assert.equal(info.parent, "mbochs");
  assert.equal(info.iommuGroup, 7);
  assert.equal(info.cdev, undefined);
  assert.deepEqual(describeMdev(UUID, devices), { ...info, sysfsPath: `${devices}/${UUID}` });
  assert.throws(() => describeMdev("00000000-0000-4000-8000-000000000000", devices), {
    message: `stat ${devices}/00000000-0000-4000-8000-000000000000: ENOENT (no such mdev)`,
  });
});

test("opening through a group or a cdev that this machine lacks names the first file that is missing", () => {
  const { devices } = fakeSysfs();
  const info = describeMdev(UUID, devices);
  // This machine has no VFIO: the container is missing; where it exists, group 7's file is (fake group).
  const expected = existsSync("/dev/vfio/vfio") ? "open /dev/vfio/7: ENOENT" : "open /dev/vfio/vfio: ENOENT";
  assert.throws(() => openMdevLegacy(info), (e: unknown) => e instanceof SyscallError && e.message === expected);
  assert.throws(() => openMdevLegacy({ ...info, iommuGroup: undefined }), {
    message: `readlink ${info.sysfsPath}/iommu_group: ENOENT (the mdev has no IOMMU group)`,
  });
  assert.throws(() => openMdevIommufd(info), {
    message: `readdir ${info.sysfsPath}/vfio-dev: ENOENT (no VFIO cdev (kernel before 6.6 or VFIO_DEVICE_CDEV off))`,
  });
  const withCdev = { ...info, cdev: "vfio0" };
  const expectedCdev = existsSync("/dev/iommu") ? "open /dev/vfio/devices/vfio0: ENOENT" : "open /dev/iommu: ENOENT";
  assert.throws(() => openMdevIommufd(withCdev), (e: unknown) => e instanceof SyscallError && e.message === expectedCdev);
});
