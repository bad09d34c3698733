/**
 * What each driver is expected to do, check by check: the behaviour of the real kernel (Linux 6.1 for the
 * samples, as observed in the conformance VM; current i915 for GVT, from its source), bugs included. Where
 * the real kernel has a known bug the expectation names it as a `quirk` and gives the documented behaviour
 * too, so a model run without quirks is reported as "documented" rather than failed.
 * Values are observations (src/conformance/check.ts): errnos as names, fds as "fd", sizes in hex.
 * The GVT profile comes from the i915 source only (no GVT hardware was at hand); its one `quirk` names a
 * deliberate model difference rather than a kernel bug.
 */
import type { Observation } from "./check.ts";
import type { DriverName } from "./target.ts";

export interface Expectation {
  value: Observation;
  quirk?: { name: string; documented: Observation; note: string };
}

export interface Profile {
  driver: DriverName;
  /** the mdev type the values are for */
  type: string;
  expectations: Record<string, Expectation>;
}

const abi: Expectation = {
  value: {
    QUERY_GFX_PLANE: "0x3b72",
    GET_GFX_DMABUF: "0x3b73",
    GET_REGION_INFO: "0x3b6c",
    GET_INFO: "0x3b6b",
    GROUP_GET_DEVICE_FD: "0x3b6a",
    SET_IOMMU: "0x3b66",
    GROUP_SET_CONTAINER: "0x3b68",
    BIND_IOMMUFD: "0x3b76",
    DMA_BUF_IOCTL_SYNC: "0x40086200",
    plane_info_size: 64,
    region_info_size: 32,
    XR24: "0x34325258",
    YUYV: "0x56595559",
  },
};

const EINVAL = "-EINVAL";
const none = { flags: 0, size: "0x0", offset: "0x0" };
const badFlags: Expectation = { value: { none: EINVAL, probe_only: EINVAL, dmabuf_region: EINVAL, other_kind: EINVAL } };
const sync: Expectation = { value: { start_read: 0, end_read: 0, none: EINVAL, invalid_bit: EINVAL } };
const irqs: Expectation = { value: { counts: [0, 0, 0, 0, 0], index5: EINVAL } };
const stable: Expectation = { value: { ret: 0, identical: true } };

/** a dma-buf plane of a mode the guest set, as mbochs and GVT describe it */
function dmabufPlane(rets: Observation, hot: string): Observation {
  return {
    rets,
    format: "XRGB8888",
    modifier: "0x0",
    width: "as set",
    height: "as set",
    stride: "width*4",
    size: "stride*height",
    x_pos: 0,
    y_pos: 0,
    x_hot: hot,
    y_hot: hot,
    id_at_least_1: true,
  };
}

const MBOCHS_ENOMEM = {
  name: "mbochs-first-query-enomem",
  note: "mbochs_query_gfx_plane drops the new entry's pointer: the first query of a new mode is -ENOMEM, the retry finds it (every kernel up to mainline)",
};

export const mbochsProfile: Profile = {
  driver: "mbochs",
  type: "mbochs-medium",
  expectations: {
    "abi.constants": abi,
    "device.info": { value: { ret: 0, flags: 2, num_regions: 10, num_irqs: 5, argsz15: EINVAL } },
    "device.regions": {
      value: {
        "0": { flags: 7, size: "0x1000000", offset: "0x3000" },
        "1": none,
        "2": { flags: 3, size: "0x1000", offset: "0x1000" },
        "3": none,
        "4": none,
        "5": none,
        "6": none,
        "7": { flags: 3, size: "0xff", offset: "0x0" },
        "8": none,
        "9": { flags: 11, size: "0x1000", offset: "0x2000" },
        "10": EINVAL,
        "16": EINVAL,
        "17": EINVAL,
      },
    },
    "device.irqs": irqs,
    "device.reset": { value: { ret: 0, query: 0, disabled: true, vbe_id: "0xb0c5", vbe_video_memory_64k: 256 } },
    "query.argsz": { value: { argsz59: EINVAL, argsz60_probe: 0 } },
    "query.probe": { value: { probe_dmabuf: 0, probe_region: EINVAL } },
    "query.bad-flags": badFlags,
    "plane.disabled": { value: { ret: 0, zeros: true } },
    "plane.enabled": {
      value: dmabufPlane(["-ENOMEM", 0], "0x0"),
      quirk: { ...MBOCHS_ENOMEM, documented: dmabufPlane([0], "0x0") },
    },
    "plane.stable": stable,
    "plane.mode-change": {
      value: { rets: ["-ENOMEM", 0], different_id: true, larger_id: true },
      quirk: { ...MBOCHS_ENOMEM, documented: { rets: [0], different_id: true, larger_id: true } },
    },
    "plane.cursor-overlay": { value: { cursor: "zeros", overlay: "zeros", type7: "zeros" } },
    "dmabuf.get": { value: { get: "fd", fstat_size: "plane size", lseek_end: "plane size" } },
    "dmabuf.unknown-id": { value: { ret: "-ENOENT" } },
    "dmabuf.mmap": {
      value: { shared_read: EINVAL, content: null, private_read: EINVAL, shared_write: "-EACCES", one_page_too_many: EINVAL },
      quirk: {
        name: "mbochs-dmabuf-mmap-readonly-file",
        note: "the dma-buf is exported with flags 0 (an O_RDONLY file); mmap(MAP_SHARED) of a read-only file clears VM_SHARED, and mbochs_mmap_dmabuf refuses a vma without VM_SHARED: no CPU mapping is possible (6.1 and later)",
        documented: { shared_read: "ok", content: "guest pixel visible", private_read: EINVAL, shared_write: "-EACCES", one_page_too_many: EINVAL },
      },
    },
    "dmabuf.sync": sync,
    "edid.discovery": {
      value: { found: 1, index: 9, offset: "0x2000", argsz32: { ret: 0, argsz: 48, flags: 11, cap_offset: 32 }, argsz256: { ret: EINVAL } },
      quirk: {
        name: "mbochs-region-info-pre-6.19",
        note: "before 6.19 mbochs builds the EDID region reply by hand: argsz above 48 is -EINVAL and cap_offset is 32 even when argsz 32 cannot hold the cap",
        documented: { found: 1, index: 9, offset: "0x2000", argsz32: { ret: 0, argsz: 48, flags: 11, cap_offset: 0 }, argsz256: { ret: 0, argsz: 256, cap_offset: 32 } },
      },
    },
    "edid.registers": { value: { edid_offset: 2048, edid_max_size: 1024, max_xres: 1920, max_yres: 1440, write_edid_max_size: "accepted", edid_max_size_after: 1024 } },
    "mbochs.vram-pread": {
      value: { pread: 4, found_at: "8 KiB before (two pages shifted)" },
      quirk: {
        name: "mbochs-vram-pread-offset",
        note: "mbochs_access subtracts the MMIO BAR offset instead of the VRAM BAR offset: pread/pwrite of VRAM land two pages away from the mmap view",
        documented: { pread: 4, found_at: "same offset" },
      },
    },
  },
};

export const mdpyProfile: Profile = {
  driver: "mdpy",
  type: "mdpy-xga",
  expectations: {
    "abi.constants": abi,
    "device.info": { value: { ret: 0, flags: 2, num_regions: 9, num_irqs: 5, argsz15: EINVAL } },
    "device.regions": {
      value: {
        "0": { flags: 7, size: "0x400000", offset: "0x1000" },
        "1": none,
        "2": none,
        "3": none,
        "4": none,
        "5": none,
        "6": none,
        "7": { flags: 3, size: "0xff", offset: "0x0" },
        "8": none,
        "9": EINVAL,
        "10": EINVAL,
        "16": { flags: 7, size: "0x400000", offset: "0x1000" },
        "17": EINVAL,
      },
    },
    "device.irqs": irqs,
    "query.argsz": { value: { argsz59: EINVAL, argsz60_probe: 0 } },
    "query.probe": { value: { probe_dmabuf: EINVAL, probe_region: 0 } },
    "query.bad-flags": badFlags,
    "plane.enabled": {
      value: { rets: [0], format: "XRGB8888", modifier: "0x0", width: 1024, height: 768, stride: 4096, size: 4194304, x_pos: 0, y_pos: 0, x_hot: "0x0", y_hot: "0x0", region_index: 16 },
    },
    "plane.stable": stable,
    "plane.cursor-overlay": { value: { cursor: "primary", overlay: "primary", type7: "primary" } },
    "dmabuf.unknown-id": { value: { ret: "-ENOTTY" } },
    "region.plane": {
      value: { region_index: 16, flags: 7, size: "0x400000", offset: "0x1000", size_is_plane_size: true, reset: 0, mmap: "ok", gradient_after_reset: true, mmap_private: EINVAL },
    },
    "edid.discovery": { value: { found: 0 } },
  },
};

export const gvtProfile: Profile = {
  driver: "gvt",
  type: "GVTg_V5_4",
  expectations: {
    "abi.constants": abi,
    // kvmgt: INTX and MSI have one vector each; every other index is -EINVAL.
    "device.irqs": { value: { counts: [1, 1, EINVAL, EINVAL, EINVAL], index5: EINVAL } },
    "query.argsz": { value: { argsz59: EINVAL, argsz60_probe: 0 } },
    "query.probe": { value: { probe_dmabuf: 0, probe_region: EINVAL } },
    "query.bad-flags": badFlags,
    "plane.disabled": { value: { ret: 0, zeros: true } },
    // A primary plane's hotspot is 0; only the cursor reports 0xFFFFFFFF for "none".
    "plane.enabled": { value: dmabufPlane([0], "0x0") },
    "plane.stable": stable,
    "plane.mode-change": { value: { rets: [0], different_id: true, larger_id: true } },
    "plane.cursor-overlay": { value: { cursor: "zeros", overlay: EINVAL, type7: EINVAL } },
    "dmabuf.get": { value: { get: "fd", fstat_size: "plane size rounded up to 4096", lseek_end: "plane size rounded up to 4096" } },
    "dmabuf.unknown-id": { value: { ret: EINVAL } },
    "dmabuf.mmap": {
      value: { shared_read: "-ENODEV", content: null, private_read: "-ENODEV", shared_write: "-ENODEV", one_page_too_many: EINVAL },
      quirk: {
        name: "gvt-dmabuf-not-cpu-mappable",
        note: "i915 cannot CPU-map GVT's proxy objects (-ENODEV); the model deliberately maps them (src/drivers/gvt/README.md) so a CPU consumer can show GVT planes",
        documented: { shared_read: "ok", content: "guest pixel visible", private_read: EINVAL, shared_write: "-EACCES", one_page_too_many: EINVAL },
      },
    },
    "dmabuf.sync": sync,
  },
};

const profiles: Record<DriverName, Profile> = { mbochs: mbochsProfile, mdpy: mdpyProfile, gvt: gvtProfile };

export function profileFor(driver: DriverName): Profile {
  const p = profiles[driver];
  if (!p) throw new RangeError(`no conformance profile for driver ${JSON.stringify(driver)}`);
  return p;
}
