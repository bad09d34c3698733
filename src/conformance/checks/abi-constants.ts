/** §6.1–6.3: request numbers, struct sizes and fourcc values, as this build encodes them (no device needed). */
import {
  DMA_BUF_IOCTL_SYNC,
  DrmFormat,
  GFX_PLANE_INFO_SIZE,
  REGION_INFO_SIZE,
  VFIO_DEVICE_BIND_IOMMUFD,
  VFIO_DEVICE_GET_GFX_DMABUF,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_QUERY_GFX_PLANE,
  VFIO_GROUP_GET_DEVICE_FD,
  VFIO_GROUP_SET_CONTAINER,
  VFIO_SET_IOMMU,
} from "../../abi/index.ts";
import type { Check } from "../check.ts";
import { hex } from "../observe.ts";

export const abiChecks: Check[] = [
  {
    id: "abi.constants",
    title: "ioctl request numbers, struct sizes and fourcc codes",
    ref: "KERNEL-ABI §6.1–6.3",
    run: () => ({
      QUERY_GFX_PLANE: hex(VFIO_DEVICE_QUERY_GFX_PLANE),
      GET_GFX_DMABUF: hex(VFIO_DEVICE_GET_GFX_DMABUF),
      GET_REGION_INFO: hex(VFIO_DEVICE_GET_REGION_INFO),
      GET_INFO: hex(VFIO_DEVICE_GET_INFO),
      GROUP_GET_DEVICE_FD: hex(VFIO_GROUP_GET_DEVICE_FD),
      SET_IOMMU: hex(VFIO_SET_IOMMU),
      GROUP_SET_CONTAINER: hex(VFIO_GROUP_SET_CONTAINER),
      BIND_IOMMUFD: hex(VFIO_DEVICE_BIND_IOMMUFD),
      DMA_BUF_IOCTL_SYNC: hex(DMA_BUF_IOCTL_SYNC),
      plane_info_size: GFX_PLANE_INFO_SIZE,
      region_info_size: REGION_INFO_SIZE,
      XR24: hex(DrmFormat.XRGB8888),
      YUYV: hex(DrmFormat.YUYV),
    }),
  },
];
