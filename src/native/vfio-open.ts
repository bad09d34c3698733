/**
 * Opening an mdev's VFIO device fd, the two ways a kernel offers:
 *
 * - legacy container/group (every kernel; the only way on 6.1): /dev/vfio/vfio → GET_API_VERSION (0) and
 *   CHECK_EXTENSION; /dev/vfio/<group> → GROUP_GET_STATUS (viable), GROUP_SET_CONTAINER, then SET_IOMMU on
 *   the container. An mdev's group is an emulated-IOMMU group, which the type1 backend accepts (6.1's
 *   vfio_iommu_type1_attach_group keeps it on its emulated list): TYPE1v2 first, TYPE1 otherwise, and
 *   NOIOMMU only where the kernel offers nothing else. Then GROUP_GET_DEVICE_FD(uuid).
 * - iommufd cdev (≥ 6.6): /dev/vfio/devices/vfioN + /dev/iommu → BIND_IOMMUFD, IOMMU_IOAS_ALLOC,
 *   ATTACH_IOMMUFD_PT.
 *
 * Every failure throws a SyscallError naming the call, the path and the errno.
 */
import {
  GROUP_STATUS_SIZE,
  VFIO_API_VERSION,
  VFIO_CHECK_EXTENSION,
  VFIO_DEVICE_ATTACH_IOMMUFD_PT,
  VFIO_DEVICE_BIND_IOMMUFD,
  VFIO_GET_API_VERSION,
  VFIO_GROUP_GET_DEVICE_FD,
  VFIO_GROUP_GET_STATUS,
  VFIO_GROUP_SET_CONTAINER,
  VFIO_SET_IOMMU,
  VfioGroupFlags,
  VfioIommuType,
  getU32,
  ioctlName,
  setU32,
} from "../abi/index.ts";
import { libc } from "./libc.ts";
import { describeMdev, type MdevInfo } from "./mdev-sysfs.ts";
import { NativeDeviceFile, NativeFd } from "./native-files.ts";
import { SyscallError } from "./syscall-error.ts";

const O_RDWR = 2;
const O_CLOEXEC = 0o2000000;

/** iommufd uAPI (include/uapi/linux/iommufd.h): type ';', commands from 0x80. */
const IOMMU_IOAS_ALLOC = (0x3b << 8) | 0x81;
const IOMMU_IOAS_ALLOC_SIZE = 12;
const BIND_IOMMUFD_SIZE = 16;
const ATTACH_PT_SIZE = 12;

export const VFIO_CONTAINER_PATH = "/dev/vfio/vfio";
export const IOMMUFD_PATH = "/dev/iommu";

/** open(path, O_RDWR | O_CLOEXEC) or throw `open <path>: <errno>`. */
export function openPath(path: string): NativeFd {
  const c = libc();
  const fd = c.open(path, O_RDWR | O_CLOEXEC, 0);
  if (fd < 0) throw new SyscallError("open", path, c.errno());
  return new NativeFd(fd);
}

function check(ret: number, request: number, path: string, fds: NativeFd[], detail?: string): number {
  if (ret >= 0) return ret;
  for (const f of fds) f.close();
  throw new SyscallError(`ioctl(${ioctlName(request)})`, path, -ret, detail);
}

export type OpenMethod = "legacy" | "iommufd";

export interface OpenedMdev {
  device: NativeDeviceFile;
  info: MdevInfo;
  method: OpenMethod;
  /** the IOMMU backend the container was set to (legacy), e.g. "TYPE1v2" */
  iommu?: string;
}

/** Open the mdev through its IOMMU group (container, group, device fd). */
export function openMdevLegacy(info: MdevInfo): OpenedMdev {
  if (info.iommuGroup === undefined || !Number.isInteger(info.iommuGroup)) {
    throw new SyscallError("readlink", `${info.sysfsPath}/iommu_group`, 2, "the mdev has no IOMMU group");
  }
  const container = openPath(VFIO_CONTAINER_PATH);
  const version = check(container.ioctl(VFIO_GET_API_VERSION, 0), VFIO_GET_API_VERSION, VFIO_CONTAINER_PATH, [container]);
  if (version !== VFIO_API_VERSION) {
    container.close();
    throw new SyscallError(`ioctl(VFIO_GET_API_VERSION)`, VFIO_CONTAINER_PATH, 22, `API version ${version}, expected ${VFIO_API_VERSION}`);
  }
  const candidates: [string, number][] = [
    ["TYPE1v2", VfioIommuType.TYPE1v2],
    ["TYPE1", VfioIommuType.TYPE1],
    ["NOIOMMU", VfioIommuType.NOIOMMU],
  ];
  const offered = candidates.filter(([, t]) => container.ioctl(VFIO_CHECK_EXTENSION, t) > 0);
  if (offered.length === 0) {
    container.close();
    throw new SyscallError("ioctl(VFIO_CHECK_EXTENSION)", VFIO_CONTAINER_PATH, 19, "no IOMMU backend offered (TYPE1v2, TYPE1, NOIOMMU)");
  }
  const groupPath = `/dev/vfio/${info.iommuGroup}`;
  let group: NativeFd;
  try {
    group = openPath(groupPath);
  } catch (e) {
    container.close();
    throw e;
  }
  const status = new Uint8Array(GROUP_STATUS_SIZE);
  setU32(status, 0, GROUP_STATUS_SIZE);
  check(group.ioctl(VFIO_GROUP_GET_STATUS, status), VFIO_GROUP_GET_STATUS, groupPath, [group, container]);
  if ((getU32(status, 4) & VfioGroupFlags.VIABLE) === 0) {
    group.close();
    container.close();
    throw new SyscallError("ioctl(VFIO_GROUP_GET_STATUS)", groupPath, 16, "group not viable");
  }
  const containerArg = new Uint8Array(4);
  setU32(containerArg, 0, container.fd);
  check(group.ioctl(VFIO_GROUP_SET_CONTAINER, containerArg), VFIO_GROUP_SET_CONTAINER, groupPath, [group, container]);
  let iommu: string | undefined;
  let lastErr = 0;
  for (const [name, type] of offered) {
    const ret = container.ioctl(VFIO_SET_IOMMU, type);
    if (ret === 0) {
      iommu = name;
      break;
    }
    lastErr = ret;
  }
  if (!iommu) check(lastErr, VFIO_SET_IOMMU, VFIO_CONTAINER_PATH, [group, container], `tried ${offered.map(([n]) => n).join(", ")}`);
  const name = new TextEncoder().encode(info.uuid + "\0");
  const fd = check(group.ioctl(VFIO_GROUP_GET_DEVICE_FD, name), VFIO_GROUP_GET_DEVICE_FD, groupPath, [group, container], info.uuid);
  return { device: new NativeDeviceFile(fd, `${groupPath}:${info.uuid}`, [group, container]), info, method: "legacy", iommu };
}

/** Open the mdev through its VFIO cdev and an iommufd (Linux ≥ 6.6). */
export function openMdevIommufd(info: MdevInfo): OpenedMdev {
  if (!info.cdev) throw new SyscallError("readdir", `${info.sysfsPath}/vfio-dev`, 2, "no VFIO cdev (kernel before 6.6 or VFIO_DEVICE_CDEV off)");
  const cdevPath = `/dev/vfio/devices/${info.cdev}`;
  const iommufd = openPath(IOMMUFD_PATH);
  let dev: NativeFd;
  try {
    dev = openPath(cdevPath);
  } catch (e) {
    iommufd.close();
    throw e;
  }
  const bind = new Uint8Array(BIND_IOMMUFD_SIZE);
  setU32(bind, 0, BIND_IOMMUFD_SIZE);
  setU32(bind, 8, iommufd.fd);
  check(dev.ioctl(VFIO_DEVICE_BIND_IOMMUFD, bind), VFIO_DEVICE_BIND_IOMMUFD, cdevPath, [dev, iommufd]);
  const alloc = new Uint8Array(IOMMU_IOAS_ALLOC_SIZE);
  setU32(alloc, 0, IOMMU_IOAS_ALLOC_SIZE);
  check(iommufd.ioctl(IOMMU_IOAS_ALLOC, alloc), IOMMU_IOAS_ALLOC, IOMMUFD_PATH, [dev, iommufd]);
  const attach = new Uint8Array(ATTACH_PT_SIZE);
  setU32(attach, 0, ATTACH_PT_SIZE);
  setU32(attach, 8, getU32(alloc, 8));
  check(dev.ioctl(VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach), VFIO_DEVICE_ATTACH_IOMMUFD_PT, cdevPath, [dev, iommufd]);
  // The device file owns the raw fd from here; the NativeFd wrapper is dropped without closing it.
  return { device: new NativeDeviceFile(dev.fd, cdevPath, [iommufd]), info, method: "iommufd" };
}

/**
 * Open an mdev by UUID or sysfs path: through its cdev and an iommufd where the kernel has them, else the
 * legacy group way. `method` forces one.
 */
export function openMdev(deviceOrUuid: string, method?: OpenMethod): OpenedMdev {
  const info = describeMdev(deviceOrUuid);
  if (method === "iommufd") return openMdevIommufd(info);
  if (method === "legacy") return openMdevLegacy(info);
  return info.cdev ? openMdevIommufd(info) : openMdevLegacy(info);
}
