/** The native backend: the DeviceFile seam over real /dev/vfio files through koffi. */
export { NativeDeviceFile, NativeDmaBufFile, NativeFd, isDmaBufFd, fdKind } from "./native-files.ts";
export { NativeMapping, mapFile } from "./mapping.ts";
export { NativeEventFd } from "./eventfd.ts";
export { SyscallError, nativeErrnoName } from "./syscall-error.ts";
export { openMdev, openMdevLegacy, openMdevIommufd, openPath, type OpenedMdev, type OpenMethod } from "./vfio-open.ts";
export { createMdev, removeMdev, describeMdev, listMdevTypes, isUuid, type MdevInfo, type MdevType } from "./mdev-sysfs.ts";
