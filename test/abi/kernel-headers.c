/*
 * Prints the layout facts and constants of the real Linux uAPI headers that src/abi models, one per line,
 * as "NAME VALUE" (VALUE unsigned decimal). test/abi/kernel-headers.test.ts compiles and runs this and
 * compares every line with the TypeScript exports.
 *
 *   gcc -std=gnu11 -I/usr/include/libdrm kernel-headers.c -o kernel-headers
 *
 * Debian packages: gcc, linux-libc-dev (linux/vfio.h, linux/dma-buf.h, linux/mman.h, linux/fs.h),
 * libdrm-dev (drm_fourcc.h, xf86drmMode.h).
 *
 * Key forms:
 *   sizeof.<struct>                   sizeof(struct <struct>)
 *   offsetof.<struct>.<field>         offsetof(struct <struct>, <field>)
 *   offsetofend.<struct>.<field>      offsetof + sizeof of the field (a driver's "minsz")
 *   fieldsize.<struct>.<field>        sizeof of the field
 *   <MACRO or enum name>              its value
 *
 * Macros that Linux 6.1 does not have yet (added in later kernels) are printed only when defined; the test
 * knows which ones those are.
 */
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <linux/ioctl.h>
#include <linux/vfio.h>
#include <linux/dma-buf.h>
#include <linux/mman.h>
#include <linux/fs.h>
#include <linux/pci_regs.h>
#include <drm_fourcc.h>
#include <xf86drmMode.h>

/* A 32-bit constant (int/unsigned/enum/char): go through unsigned int so (1 << 31) prints 2147483648. */
#define U32(name) printf("%s %llu\n", #name, (unsigned long long)(unsigned int)(name))
/* A 64-bit constant (modifiers). */
#define U64(name) printf("%s %llu\n", #name, (unsigned long long)(name))
/* A plain int constant that is never negative (errno values). */
#define INT(name) printf("%s %llu\n", #name, (unsigned long long)(unsigned int)(name))

#define SIZE(s) printf("sizeof.%s %zu\n", #s, sizeof(struct s))
#define FSIZE(s, f) (sizeof(((struct s *)0)->f))
/* A fixed-size field: offset, size and end. */
#define FIELD(s, f)                                                              \
  do {                                                                           \
    printf("offsetof.%s.%s %zu\n", #s, #f, offsetof(struct s, f));               \
    printf("fieldsize.%s.%s %zu\n", #s, #f, FSIZE(s, f));                        \
    printf("offsetofend.%s.%s %zu\n", #s, #f, offsetof(struct s, f) + FSIZE(s, f)); \
  } while (0)
/* A flexible array member or a nested header: offset only. */
#define OFFSET(s, f) printf("offsetof.%s.%s %zu\n", #s, #f, offsetof(struct s, f))

static void ioctls(void) {
  /* asm-generic/ioctl.h layout */
  U32(_IOC_NRBITS);
  U32(_IOC_TYPEBITS);
  U32(_IOC_SIZEBITS);
  U32(_IOC_NRSHIFT);
  U32(_IOC_TYPESHIFT);
  U32(_IOC_SIZESHIFT);
  U32(_IOC_DIRSHIFT);
  U32(_IOC_NONE);
  U32(_IOC_WRITE);
  U32(_IOC_READ);

  U32(VFIO_API_VERSION);
  U32(VFIO_TYPE);
  U32(VFIO_BASE);

  U32(VFIO_GET_API_VERSION);
  U32(VFIO_CHECK_EXTENSION);
  U32(VFIO_SET_IOMMU);
  U32(VFIO_GROUP_GET_STATUS);
  U32(VFIO_GROUP_SET_CONTAINER);
  U32(VFIO_GROUP_UNSET_CONTAINER);
  U32(VFIO_GROUP_GET_DEVICE_FD);
  U32(VFIO_DEVICE_GET_INFO);
  U32(VFIO_DEVICE_GET_REGION_INFO);
  U32(VFIO_DEVICE_GET_IRQ_INFO);
  U32(VFIO_DEVICE_SET_IRQS);
  U32(VFIO_DEVICE_RESET);
  U32(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO);
  U32(VFIO_DEVICE_PCI_HOT_RESET);
  U32(VFIO_DEVICE_QUERY_GFX_PLANE);
  U32(VFIO_DEVICE_GET_GFX_DMABUF);
  U32(VFIO_DEVICE_IOEVENTFD);
  U32(VFIO_DEVICE_FEATURE);
#ifdef VFIO_DEVICE_BIND_IOMMUFD /* Linux >= 6.6 */
  U32(VFIO_DEVICE_BIND_IOMMUFD);
#endif
#ifdef VFIO_DEVICE_ATTACH_IOMMUFD_PT /* Linux >= 6.6 */
  U32(VFIO_DEVICE_ATTACH_IOMMUFD_PT);
#endif
#ifdef VFIO_DEVICE_DETACH_IOMMUFD_PT /* Linux >= 6.6 */
  U32(VFIO_DEVICE_DETACH_IOMMUFD_PT);
#endif
  U32(VFIO_IOMMU_GET_INFO);
  U32(VFIO_IOMMU_MAP_DMA);
  U32(VFIO_IOMMU_UNMAP_DMA);
  U32(VFIO_IOMMU_ENABLE);
  U32(VFIO_IOMMU_DISABLE);

  /* extension / IOMMU type ids */
  U32(VFIO_TYPE1_IOMMU);
  U32(VFIO_SPAPR_TCE_IOMMU);
  U32(VFIO_TYPE1v2_IOMMU);
  U32(VFIO_DMA_CC_IOMMU);
  U32(VFIO_EEH);
  U32(VFIO_SPAPR_TCE_v2_IOMMU);
  U32(VFIO_NOIOMMU_IOMMU);
  U32(VFIO_UNMAP_ALL);
  U32(VFIO_UPDATE_VADDR);

  U32(DMA_BUF_BASE);
  U32(DMA_BUF_IOCTL_SYNC);
}

static void device_info(void) {
  SIZE(vfio_device_info);
  FIELD(vfio_device_info, argsz);
  FIELD(vfio_device_info, flags);
  FIELD(vfio_device_info, num_regions);
  FIELD(vfio_device_info, num_irqs);
  FIELD(vfio_device_info, cap_offset);

  U32(VFIO_DEVICE_FLAGS_RESET);
  U32(VFIO_DEVICE_FLAGS_PCI);
  U32(VFIO_DEVICE_FLAGS_PLATFORM);
  U32(VFIO_DEVICE_FLAGS_AMBA);
  U32(VFIO_DEVICE_FLAGS_CCW);
  U32(VFIO_DEVICE_FLAGS_AP);
  U32(VFIO_DEVICE_FLAGS_FSL_MC);
  U32(VFIO_DEVICE_FLAGS_CAPS);
#ifdef VFIO_DEVICE_FLAGS_CDX /* Linux >= 6.3 */
  U32(VFIO_DEVICE_FLAGS_CDX);
#endif

  U32(VFIO_PCI_BAR0_REGION_INDEX);
  U32(VFIO_PCI_BAR1_REGION_INDEX);
  U32(VFIO_PCI_BAR2_REGION_INDEX);
  U32(VFIO_PCI_BAR3_REGION_INDEX);
  U32(VFIO_PCI_BAR4_REGION_INDEX);
  U32(VFIO_PCI_BAR5_REGION_INDEX);
  U32(VFIO_PCI_ROM_REGION_INDEX);
  U32(VFIO_PCI_CONFIG_REGION_INDEX);
  U32(VFIO_PCI_VGA_REGION_INDEX);
  U32(VFIO_PCI_NUM_REGIONS);
  U32(VFIO_PCI_INTX_IRQ_INDEX);
  U32(VFIO_PCI_MSI_IRQ_INDEX);
  U32(VFIO_PCI_MSIX_IRQ_INDEX);
  U32(VFIO_PCI_ERR_IRQ_INDEX);
  U32(VFIO_PCI_REQ_IRQ_INDEX);
  U32(VFIO_PCI_NUM_IRQS);
}

static void region_info(void) {
  SIZE(vfio_region_info);
  FIELD(vfio_region_info, argsz);
  FIELD(vfio_region_info, flags);
  FIELD(vfio_region_info, index);
  FIELD(vfio_region_info, cap_offset);
  FIELD(vfio_region_info, size);
  FIELD(vfio_region_info, offset);
  U32(VFIO_REGION_INFO_FLAG_READ);
  U32(VFIO_REGION_INFO_FLAG_WRITE);
  U32(VFIO_REGION_INFO_FLAG_MMAP);
  U32(VFIO_REGION_INFO_FLAG_CAPS);

  SIZE(vfio_info_cap_header);
  FIELD(vfio_info_cap_header, id);
  FIELD(vfio_info_cap_header, version);
  FIELD(vfio_info_cap_header, next);
  U32(VFIO_REGION_INFO_CAP_SPARSE_MMAP);
  U32(VFIO_REGION_INFO_CAP_TYPE);
  U32(VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);

  SIZE(vfio_region_info_cap_type);
  OFFSET(vfio_region_info_cap_type, header);
  FIELD(vfio_region_info_cap_type, type);
  FIELD(vfio_region_info_cap_type, subtype);
  U32(VFIO_REGION_TYPE_PCI_VENDOR_TYPE);
  U32(VFIO_REGION_TYPE_PCI_VENDOR_MASK);
  U32(VFIO_REGION_TYPE_GFX);
  U32(VFIO_REGION_TYPE_CCW);
  U32(VFIO_REGION_SUBTYPE_GFX_EDID);
  U32(VFIO_REGION_SUBTYPE_INTEL_IGD_OPREGION);
  U32(VFIO_REGION_SUBTYPE_INTEL_IGD_HOST_CFG);
  U32(VFIO_REGION_SUBTYPE_INTEL_IGD_LPC_CFG);

  SIZE(vfio_region_info_cap_sparse_mmap);
  OFFSET(vfio_region_info_cap_sparse_mmap, header);
  FIELD(vfio_region_info_cap_sparse_mmap, nr_areas);
  FIELD(vfio_region_info_cap_sparse_mmap, reserved);
  OFFSET(vfio_region_info_cap_sparse_mmap, areas); /* flexible array */
  SIZE(vfio_region_sparse_mmap_area);
  FIELD(vfio_region_sparse_mmap_area, offset);
  FIELD(vfio_region_sparse_mmap_area, size);

  SIZE(vfio_region_gfx_edid);
  FIELD(vfio_region_gfx_edid, edid_offset);
  FIELD(vfio_region_gfx_edid, edid_max_size);
  FIELD(vfio_region_gfx_edid, edid_size);
  FIELD(vfio_region_gfx_edid, max_xres);
  FIELD(vfio_region_gfx_edid, max_yres);
  FIELD(vfio_region_gfx_edid, link_state);
  U32(VFIO_DEVICE_GFX_LINK_STATE_UP);
  U32(VFIO_DEVICE_GFX_LINK_STATE_DOWN);
}

static void irqs(void) {
  SIZE(vfio_irq_info);
  FIELD(vfio_irq_info, argsz);
  FIELD(vfio_irq_info, flags);
  FIELD(vfio_irq_info, index);
  FIELD(vfio_irq_info, count);
  U32(VFIO_IRQ_INFO_EVENTFD);
  U32(VFIO_IRQ_INFO_MASKABLE);
  U32(VFIO_IRQ_INFO_AUTOMASKED);
  U32(VFIO_IRQ_INFO_NORESIZE);

  SIZE(vfio_irq_set);
  FIELD(vfio_irq_set, argsz);
  FIELD(vfio_irq_set, flags);
  FIELD(vfio_irq_set, index);
  FIELD(vfio_irq_set, start);
  FIELD(vfio_irq_set, count);
  OFFSET(vfio_irq_set, data); /* flexible array */
  U32(VFIO_IRQ_SET_DATA_NONE);
  U32(VFIO_IRQ_SET_DATA_BOOL);
  U32(VFIO_IRQ_SET_DATA_EVENTFD);
  U32(VFIO_IRQ_SET_ACTION_MASK);
  U32(VFIO_IRQ_SET_ACTION_UNMASK);
  U32(VFIO_IRQ_SET_ACTION_TRIGGER);
  U32(VFIO_IRQ_SET_DATA_TYPE_MASK);
  U32(VFIO_IRQ_SET_ACTION_TYPE_MASK);
}

static void gfx_plane(void) {
  SIZE(vfio_device_gfx_plane_info);
  FIELD(vfio_device_gfx_plane_info, argsz);
  FIELD(vfio_device_gfx_plane_info, flags);
  FIELD(vfio_device_gfx_plane_info, drm_plane_type);
  FIELD(vfio_device_gfx_plane_info, drm_format);
  FIELD(vfio_device_gfx_plane_info, drm_format_mod);
  FIELD(vfio_device_gfx_plane_info, width);
  FIELD(vfio_device_gfx_plane_info, height);
  FIELD(vfio_device_gfx_plane_info, stride);
  FIELD(vfio_device_gfx_plane_info, size);
  FIELD(vfio_device_gfx_plane_info, x_pos);
  FIELD(vfio_device_gfx_plane_info, y_pos);
  FIELD(vfio_device_gfx_plane_info, x_hot);
  FIELD(vfio_device_gfx_plane_info, y_hot);
  /* the anonymous union { region_index; dmabuf_id; } */
  FIELD(vfio_device_gfx_plane_info, region_index);
  FIELD(vfio_device_gfx_plane_info, dmabuf_id);
  /* Linux 6.1 has no named `reserved` after the union (newer headers do): not printed. */
  U32(VFIO_GFX_PLANE_TYPE_PROBE);
  U32(VFIO_GFX_PLANE_TYPE_DMABUF);
  U32(VFIO_GFX_PLANE_TYPE_REGION);
}

static void group_status(void) {
  SIZE(vfio_group_status);
  FIELD(vfio_group_status, argsz);
  FIELD(vfio_group_status, flags);
  U32(VFIO_GROUP_FLAGS_VIABLE);
  U32(VFIO_GROUP_FLAGS_CONTAINER_SET);
}

static void dma_buf(void) {
  SIZE(dma_buf_sync);
  FIELD(dma_buf_sync, flags);
  U64(DMA_BUF_SYNC_READ);
  U64(DMA_BUF_SYNC_WRITE);
  U64(DMA_BUF_SYNC_RW);
  U64(DMA_BUF_SYNC_START);
  U64(DMA_BUF_SYNC_END);
  U64(DMA_BUF_SYNC_VALID_FLAGS_MASK);
}

static void drm(void) {
  U32(DRM_FORMAT_INVALID);
  U32(DRM_FORMAT_BIG_ENDIAN);
  U32(DRM_FORMAT_C8);
  U32(DRM_FORMAT_RGB565);
  U32(DRM_FORMAT_XRGB8888);
  U32(DRM_FORMAT_ARGB8888);
  U32(DRM_FORMAT_XBGR8888);
  U32(DRM_FORMAT_ABGR8888);
  U32(DRM_FORMAT_XRGB2101010);
  U32(DRM_FORMAT_XBGR2101010);
  U32(DRM_FORMAT_ARGB2101010);
  U32(DRM_FORMAT_ABGR2101010);
  U32(DRM_FORMAT_YUYV);
  U32(DRM_FORMAT_YVYU);
  U32(DRM_FORMAT_UYVY);
  U32(DRM_FORMAT_VYUY);

  U64(DRM_FORMAT_MOD_VENDOR_NONE);
  U64(DRM_FORMAT_MOD_VENDOR_INTEL);
  U64(DRM_FORMAT_MOD_LINEAR);
  U64(DRM_FORMAT_MOD_NONE);
  U64(DRM_FORMAT_MOD_INVALID);
  U64(I915_FORMAT_MOD_X_TILED);
  U64(I915_FORMAT_MOD_Y_TILED);
  U64(I915_FORMAT_MOD_Yf_TILED);

  /* libdrm's copy of the kernel's enum drm_plane_type (uABI through the KMS "type" property) */
  U32(DRM_PLANE_TYPE_OVERLAY);
  U32(DRM_PLANE_TYPE_PRIMARY);
  U32(DRM_PLANE_TYPE_CURSOR);
}

static void mman(void) {
  U32(PROT_NONE);
  U32(PROT_READ);
  U32(PROT_WRITE);
  U32(PROT_EXEC);
  U32(MAP_SHARED);
  U32(MAP_PRIVATE);
  U32(MAP_FIXED);
  U32(SEEK_SET);
  U32(SEEK_CUR);
  U32(SEEK_END);
}

static void errnos(void) {
  INT(EPERM);
  INT(ENOENT);
  INT(EINTR);
  INT(EIO);
  INT(ENXIO);
  INT(E2BIG);
  INT(EBADF);
  INT(EAGAIN);
  INT(ENOMEM);
  INT(EACCES);
  INT(EFAULT);
  INT(EBUSY);
  INT(EEXIST);
  INT(ENODEV);
  INT(EINVAL);
  INT(EMFILE);
  INT(ENOTTY);
  INT(EFBIG);
  INT(ENOSPC);
  INT(ESPIPE);
  INT(ERANGE);
  INT(ENOSYS);
  INT(EOPNOTSUPP);
}

static void pci_regs(void) {
  U32(PCI_VENDOR_ID);
  U32(PCI_DEVICE_ID);
  U32(PCI_COMMAND);
  U32(PCI_STATUS);
  U32(PCI_CLASS_REVISION);
  U32(PCI_CLASS_DEVICE);
  U32(PCI_BASE_ADDRESS_0);
  U32(PCI_SUBSYSTEM_VENDOR_ID);
  U32(PCI_SUBSYSTEM_ID);
  U32(PCI_CAPABILITY_LIST);
  U32(PCI_COMMAND_IO);
  U32(PCI_COMMAND_MEMORY);
  U32(PCI_STATUS_CAP_LIST);
  U32(PCI_BASE_ADDRESS_SPACE_MEMORY);
  U32(PCI_BASE_ADDRESS_MEM_TYPE_32);
  U32(PCI_BASE_ADDRESS_MEM_PREFETCH);
  U32(PCI_BASE_ADDRESS_MEM_MASK);
  U32(PCI_CAP_ID_VNDR);
}

int main(void) {
  ioctls();
  device_info();
  region_info();
  irqs();
  gfx_plane();
  group_status();
  dma_buf();
  drm();
  mman();
  pci_regs();
  errnos();
  return ferror(stdout) ? 1 : 0;
}
