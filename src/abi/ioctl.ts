/**
 * ioctl request numbers (include/uapi/asm-generic/ioctl.h, linux/vfio.h, linux/dma-buf.h).
 *
 * Every VFIO ioctl is a plain _IO(VFIO_TYPE, VFIO_BASE + n): no direction and no size bits, on purpose —
 * VFIO versions its structs with the leading argsz field instead. The direction/size forms below exist for
 * dma-buf's DMA_BUF_IOCTL_SYNC and for completeness. Values are for the asm-generic layout (x86, arm, arm64,
 * riscv, s390, loongarch).
 */

export const IOC_NRBITS = 8;
export const IOC_TYPEBITS = 8;
export const IOC_SIZEBITS = 14;
export const IOC_NRSHIFT = 0;
export const IOC_TYPESHIFT = IOC_NRSHIFT + IOC_NRBITS;
export const IOC_SIZESHIFT = IOC_TYPESHIFT + IOC_TYPEBITS;
export const IOC_DIRSHIFT = IOC_SIZESHIFT + IOC_SIZEBITS;
export const IOC_NONE = 0;
export const IOC_WRITE = 1;
export const IOC_READ = 2;

export function IOC(dir: number, type: number, nr: number, size: number): number {
  if (size < 0 || size >= 1 << IOC_SIZEBITS) throw new RangeError(`ioctl size ${size} does not fit 14 bits`);
  return ((dir << IOC_DIRSHIFT) | (type << IOC_TYPESHIFT) | (nr << IOC_NRSHIFT) | (size << IOC_SIZESHIFT)) >>> 0;
}
export const IO = (type: number, nr: number): number => IOC(IOC_NONE, type, nr, 0);
export const IOR = (type: number, nr: number, size: number): number => IOC(IOC_READ, type, nr, size);
export const IOW = (type: number, nr: number, size: number): number => IOC(IOC_WRITE, type, nr, size);
export const IOWR = (type: number, nr: number, size: number): number => IOC(IOC_READ | IOC_WRITE, type, nr, size);

export const VFIO_TYPE = 0x3b; // ';'
export const VFIO_BASE = 100;
const vfio = (n: number): number => IO(VFIO_TYPE, VFIO_BASE + n);

export const VFIO_API_VERSION = 0;

export const VFIO_GET_API_VERSION = vfio(0);
export const VFIO_CHECK_EXTENSION = vfio(1);
export const VFIO_SET_IOMMU = vfio(2);
export const VFIO_GROUP_GET_STATUS = vfio(3);
export const VFIO_GROUP_SET_CONTAINER = vfio(4);
export const VFIO_GROUP_UNSET_CONTAINER = vfio(5);
export const VFIO_GROUP_GET_DEVICE_FD = vfio(6);
export const VFIO_DEVICE_GET_INFO = vfio(7);
export const VFIO_DEVICE_GET_REGION_INFO = vfio(8);
export const VFIO_DEVICE_GET_IRQ_INFO = vfio(9);
export const VFIO_DEVICE_SET_IRQS = vfio(10);
export const VFIO_DEVICE_RESET = vfio(11);
export const VFIO_DEVICE_GET_PCI_HOT_RESET_INFO = vfio(12);
export const VFIO_DEVICE_PCI_HOT_RESET = vfio(13);
export const VFIO_DEVICE_QUERY_GFX_PLANE = vfio(14);
export const VFIO_DEVICE_GET_GFX_DMABUF = vfio(15);
export const VFIO_DEVICE_IOEVENTFD = vfio(16);
export const VFIO_DEVICE_FEATURE = vfio(17);
export const VFIO_DEVICE_BIND_IOMMUFD = vfio(18);
export const VFIO_DEVICE_ATTACH_IOMMUFD_PT = vfio(19);
export const VFIO_DEVICE_DETACH_IOMMUFD_PT = vfio(20);
// Container-fd names for the numbers 12..16 (the fd type tells them apart from the device ones).
export const VFIO_IOMMU_GET_INFO = vfio(12);
export const VFIO_IOMMU_MAP_DMA = vfio(13);
export const VFIO_IOMMU_UNMAP_DMA = vfio(14);
export const VFIO_IOMMU_ENABLE = vfio(15);
export const VFIO_IOMMU_DISABLE = vfio(16);

/** IOMMU types and extensions for VFIO_CHECK_EXTENSION / VFIO_SET_IOMMU. */
export const VfioIommuType = {
  TYPE1: 1,
  SPAPR_TCE: 2,
  TYPE1v2: 3,
  DMA_CC: 4,
  EEH: 5,
  SPAPR_TCE_v2: 7,
  NOIOMMU: 8,
  UNMAP_ALL: 9,
  UPDATE_VADDR: 10,
} as const;

export const DMA_BUF_BASE = 0x62; // 'b'
/** _IOW('b', 0, struct dma_buf_sync): 8-byte argument. */
export const DMA_BUF_IOCTL_SYNC = IOW(DMA_BUF_BASE, 0, 8);

const requestNames = new Map<number, string>([
  [VFIO_GET_API_VERSION, "VFIO_GET_API_VERSION"],
  [VFIO_CHECK_EXTENSION, "VFIO_CHECK_EXTENSION"],
  [VFIO_SET_IOMMU, "VFIO_SET_IOMMU"],
  [VFIO_GROUP_GET_STATUS, "VFIO_GROUP_GET_STATUS"],
  [VFIO_GROUP_SET_CONTAINER, "VFIO_GROUP_SET_CONTAINER"],
  [VFIO_GROUP_UNSET_CONTAINER, "VFIO_GROUP_UNSET_CONTAINER"],
  [VFIO_GROUP_GET_DEVICE_FD, "VFIO_GROUP_GET_DEVICE_FD"],
  [VFIO_DEVICE_GET_INFO, "VFIO_DEVICE_GET_INFO"],
  [VFIO_DEVICE_GET_REGION_INFO, "VFIO_DEVICE_GET_REGION_INFO"],
  [VFIO_DEVICE_GET_IRQ_INFO, "VFIO_DEVICE_GET_IRQ_INFO"],
  [VFIO_DEVICE_SET_IRQS, "VFIO_DEVICE_SET_IRQS"],
  [VFIO_DEVICE_RESET, "VFIO_DEVICE_RESET"],
  [VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO"],
  [VFIO_DEVICE_PCI_HOT_RESET, "VFIO_DEVICE_PCI_HOT_RESET"],
  [VFIO_DEVICE_QUERY_GFX_PLANE, "VFIO_DEVICE_QUERY_GFX_PLANE"],
  [VFIO_DEVICE_GET_GFX_DMABUF, "VFIO_DEVICE_GET_GFX_DMABUF"],
  [VFIO_DEVICE_IOEVENTFD, "VFIO_DEVICE_IOEVENTFD"],
  [VFIO_DEVICE_FEATURE, "VFIO_DEVICE_FEATURE"],
  [VFIO_DEVICE_BIND_IOMMUFD, "VFIO_DEVICE_BIND_IOMMUFD"],
  [VFIO_DEVICE_ATTACH_IOMMUFD_PT, "VFIO_DEVICE_ATTACH_IOMMUFD_PT"],
  [VFIO_DEVICE_DETACH_IOMMUFD_PT, "VFIO_DEVICE_DETACH_IOMMUFD_PT"],
  [DMA_BUF_IOCTL_SYNC, "DMA_BUF_IOCTL_SYNC"],
]);

/** The device-fd name of a request number, or its hex value. */
export function ioctlName(request: number): string {
  return requestNames.get(request) ?? `0x${request.toString(16)}`;
}
