/**
 * mdevs through sysfs, as an administrator (or libvirt, or mdevctl) makes them:
 * `/sys/class/mdev_bus/<parent>/mdev_supported_types/<type>/create` ← UUID, and
 * `/sys/bus/mdev/devices/<uuid>/remove` ← 1. Failures throw a SyscallError naming the path and errno.
 */
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { SyscallError, fsErrno } from "./syscall-error.ts";

export const MDEV_BUS_CLASS = "/sys/class/mdev_bus";
export const MDEV_DEVICES = "/sys/bus/mdev/devices";
export const VFIO_CDEV_DIR = "/dev/vfio/devices";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME_RE = /^[A-Za-z0-9_.:-]+$/;

export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

function requireUuid(uuid: string): void {
  if (!isUuid(uuid)) throw new RangeError(`not a UUID: ${JSON.stringify(uuid)}`);
}

function requireName(what: string, name: string): void {
  if (!NAME_RE.test(name)) throw new RangeError(`${what} ${JSON.stringify(name)} is not a sysfs name`);
}

function writeAttr(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch (e) {
    throw new SyscallError("write", path, fsErrno(e));
  }
}

function readAttr(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (e) {
    throw new SyscallError("read", path, fsErrno(e));
  }
}

export interface MdevType {
  parent: string;
  /** the type directory's name, e.g. mbochs-medium */
  type: string;
  name: string;
  availableInstances: number;
  deviceApi: string;
}

/** Every mdev type of every parent on this host ([] when there is no mdev bus). */
export function listMdevTypes(root = MDEV_BUS_CLASS): MdevType[] {
  if (!existsSync(root)) return [];
  const out: MdevType[] = [];
  for (const parent of readdirSync(root).sort()) {
    const typesDir = `${root}/${parent}/mdev_supported_types`;
    if (!existsSync(typesDir)) continue;
    for (const type of readdirSync(typesDir).sort()) {
      const dir = `${typesDir}/${type}`;
      const opt = (attr: string): string => (existsSync(`${dir}/${attr}`) ? readAttr(`${dir}/${attr}`) : "");
      out.push({ parent, type, name: opt("name"), availableInstances: Number(opt("available_instances") || 0), deviceApi: opt("device_api") });
    }
  }
  return out;
}

/** Create an mdev of `type` on `parent` with this UUID; returns its sysfs directory. */
export function createMdev(parent: string, type: string, uuid: string, root = MDEV_BUS_CLASS): string {
  requireName("parent", parent);
  requireName("type", type);
  requireUuid(uuid);
  writeAttr(`${root}/${parent}/mdev_supported_types/${type}/create`, uuid);
  return `${MDEV_DEVICES}/${uuid}`;
}

export function removeMdev(uuid: string, devices = MDEV_DEVICES): void {
  requireUuid(uuid);
  writeAttr(`${devices}/${uuid}/remove`, "1");
}

export interface MdevInfo {
  uuid: string;
  sysfsPath: string;
  /** the type directory's name, e.g. mbochs-medium or mdpy-xga */
  type: string;
  /** the parent device's name, e.g. mbochs */
  parent: string;
  /** the IOMMU group number (the /dev/vfio/<group> file), or undefined when the device has none */
  iommuGroup: number | undefined;
  /** the vfio cdev (vfioN under vfio-dev/), present on kernels with VFIO device cdevs (≥ 6.6) */
  cdev: string | undefined;
}

/**
 * Describe an existing mdev from its UUID or its sysfs path (`/sys/bus/mdev/devices/<uuid>` or the
 * resolved device directory).
 */
export function describeMdev(deviceOrUuid: string, devices = MDEV_DEVICES): MdevInfo {
  const uuid = basename(deviceOrUuid.replace(/\/+$/, ""));
  requireUuid(uuid);
  const sysfsPath = deviceOrUuid.includes("/") ? deviceOrUuid.replace(/\/+$/, "") : `${devices}/${uuid}`;
  if (!existsSync(sysfsPath)) throw new SyscallError("stat", sysfsPath, 2, "no such mdev");
  let typeLink: string;
  try {
    typeLink = readlinkSync(`${sysfsPath}/mdev_type`);
  } catch (e) {
    throw new SyscallError("readlink", `${sysfsPath}/mdev_type`, fsErrno(e));
  }
  // …/<parent>/mdev_supported_types/<type>
  const parts = typeLink.split("/");
  const type = parts[parts.length - 1]!;
  const parent = parts[parts.length - 3] ?? "";
  let iommuGroup: number | undefined;
  try {
    iommuGroup = Number(basename(readlinkSync(`${sysfsPath}/iommu_group`)));
  } catch {
    iommuGroup = undefined;
  }
  // 6.1 already lists vfio-dev/vfioN in sysfs, but the character device behind it (/dev/vfio/devices/vfioN)
  // arrived in 6.6: only a node that exists is a cdev to open.
  let cdev: string | undefined;
  if (existsSync(`${sysfsPath}/vfio-dev`)) {
    const name = readdirSync(`${sysfsPath}/vfio-dev`).find((n) => /^vfio\d+$/.test(n));
    if (name && existsSync(`${VFIO_CDEV_DIR}/${name}`)) cdev = name;
  }
  return { uuid, sysfsPath, type, parent, iommuGroup, cdev };
}
