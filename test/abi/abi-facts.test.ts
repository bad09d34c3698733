/**
 * KERNEL-ABI.md §6 facts 1–3 on the exports of src/abi, and behaviour tests for the struct codecs, the
 * region capability chain, GfxPlaneInfoView, the naming helpers and the format descriptor table.
 *
 * The numbers written here are the ones the spec states (KERNEL-ABI.md §1, §2, §6); kernel-headers.test.ts
 * separately checks the exports against the real headers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";

import { getU32, getU64, setU32, StructTooShortError } from "../../src/abi/bytes.ts";
import { DMA_BUF_SYNC_SIZE, DmaBufSyncFlags, decodeDmaBufSync, encodeDmaBufSync } from "../../src/abi/dma-buf.ts";
import {
  DRM_FORMAT_BIG_ENDIAN,
  DrmFormat,
  FORMAT_DESCRIPTORS,
  type Channel,
  type DrmFormatName,
  formatDescriptor,
  formatName,
  fourcc,
  fourccString,
} from "../../src/abi/drm-fourcc.ts";
import {
  DRM_FORMAT_MOD_INVALID,
  DRM_FORMAT_MOD_LINEAR,
  I915_FORMAT_MOD_X_TILED,
  I915_FORMAT_MOD_Y_TILED,
  I915_FORMAT_MOD_Yf_TILED,
  MODIFIERS,
  modifierName,
} from "../../src/abi/drm-modifiers.ts";
import { DrmPlaneType, drmPlaneTypeName } from "../../src/abi/drm-plane-type.ts";
import { Errno, describeResult, errnoName } from "../../src/abi/errno.ts";
import {
  DMA_BUF_IOCTL_SYNC,
  IOC,
  IOW,
  VFIO_DEVICE_BIND_IOMMUFD,
  VFIO_DEVICE_GET_GFX_DMABUF,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_QUERY_GFX_PLANE,
  VFIO_GET_API_VERSION,
  VFIO_GROUP_GET_DEVICE_FD,
  VFIO_GROUP_SET_CONTAINER,
  VFIO_IOMMU_UNMAP_DMA,
  VFIO_SET_IOMMU,
  ioctlName,
} from "../../src/abi/ioctl.ts";
import {
  DEVICE_INFO_MINSZ,
  DEVICE_INFO_SIZE,
  VfioDeviceFlags,
  decodeDeviceInfo,
  encodeDeviceInfo,
  type DeviceInfo,
} from "../../src/abi/vfio-device-info.ts";
import { GFX_EDID_SIZE, VFIO_DEVICE_GFX_LINK_STATE_UP, decodeGfxEdid, encodeGfxEdid, type GfxEdid } from "../../src/abi/vfio-gfx-edid.ts";
import {
  GFX_PLANE_INFO_MINSZ,
  GFX_PLANE_INFO_SIZE,
  GfxPlaneInfoView,
  VFIO_GFX_PLANE_TYPE_DMABUF,
  VFIO_GFX_PLANE_TYPE_PROBE,
  VFIO_GFX_PLANE_TYPE_REGION,
  decodeGfxPlaneInfo,
  emptyGfxPlaneInfo,
  encodeGfxPlaneInfo,
  type GfxPlaneInfo,
} from "../../src/abi/vfio-gfx-plane-info.ts";
import { GROUP_STATUS_SIZE, VfioGroupFlags, decodeGroupStatus, encodeGroupStatus, type GroupStatus } from "../../src/abi/vfio-group-status.ts";
import {
  IRQ_INFO_SIZE,
  IRQ_SET_SIZE,
  VfioIrqInfoFlags,
  VfioIrqSetFlags,
  decodeIrqInfo,
  decodeIrqSet,
  encodeIrqInfo,
  encodeIrqSet,
  type IrqInfo,
  type IrqSet,
} from "../../src/abi/vfio-irq-info.ts";
import {
  REGION_INFO_SIZE,
  VFIO_REGION_SUBTYPE_GFX_EDID,
  VFIO_REGION_TYPE_GFX,
  VfioRegionCapId,
  VfioRegionFlags,
  chainCaps,
  decodeRegionCaps,
  decodeRegionInfo,
  encodeRegionInfo,
  encodeRegionTypeCap,
  encodeSparseMmapCap,
  findTypeCap,
  type RegionInfo,
} from "../../src/abi/vfio-region-info.ts";

// ---------------------------------------------------------------------------------------------------------
// §6 fact 1: ioctl numbers (asm-generic layout: x86-64, arm64)

test("§6.1 ioctl request numbers", () => {
  assert.equal(VFIO_DEVICE_QUERY_GFX_PLANE, 0x3b72);
  assert.equal(VFIO_DEVICE_GET_GFX_DMABUF, 0x3b73);
  assert.equal(VFIO_DEVICE_GET_REGION_INFO, 0x3b6c);
  assert.equal(VFIO_DEVICE_GET_INFO, 0x3b6b);
  assert.equal(VFIO_GROUP_GET_DEVICE_FD, 0x3b6a);
  assert.equal(VFIO_SET_IOMMU, 0x3b66);
  assert.equal(VFIO_GROUP_SET_CONTAINER, 0x3b68);
  assert.equal(VFIO_DEVICE_BIND_IOMMUFD, 0x3b76);
  assert.equal(DMA_BUF_IOCTL_SYNC, 0x40086200);
  assert.equal(VFIO_GET_API_VERSION, 0x3b64);
});

test("IOC packs dir/type/nr/size and rejects sizes that do not fit 14 bits", () => {
  assert.equal(IOW(0x62, 0, 8), 0x40086200);
  assert.equal(IOC(3, 0x62, 2, 8), 0xc0086202); // _IOWR: unsigned even with the top bit set
  assert.throws(() => IOC(1, 0x62, 0, 1 << 14), RangeError);
  assert.throws(() => IOC(1, 0x62, 0, -1), RangeError);
});

// ---------------------------------------------------------------------------------------------------------
// §6 fact 2: struct layouts through the encoders

test("§6.2 plane info encodes to 64 bytes with drm_format_mod @16 (u64 LE) and dmabuf_id/region_index @56", () => {
  const info: GfxPlaneInfo = {
    ...emptyGfxPlaneInfo(VFIO_GFX_PLANE_TYPE_DMABUF, DrmPlaneType.PRIMARY),
    drmFormat: DrmFormat.XRGB8888,
    drmFormatMod: I915_FORMAT_MOD_Y_TILED,
    id: 0x01020304,
  };
  const b = new Uint8Array(64);
  assert.equal(encodeGfxPlaneInfo(info, b), 64);
  assert.equal(GFX_PLANE_INFO_SIZE, 64);
  assert.equal(getU32(b, 0), 64);
  assert.equal(getU32(b, 4), 2);
  assert.equal(getU32(b, 8), 1);
  assert.equal(getU32(b, 12), 0x34325258);
  assert.deepEqual([...b.subarray(16, 24)], [0x02, 0, 0, 0, 0, 0, 0, 0x01]);
  assert.equal(new DataView(b.buffer).getBigUint64(16, true), 0x0100000000000002n);
  assert.deepEqual([...b.subarray(56, 60)], [0x04, 0x03, 0x02, 0x01]);
  assert.deepEqual([...b.subarray(60, 64)], [0, 0, 0, 0]);
});

test("§6.2 region_info is 32 bytes with size @16 and offset @24; gfx_edid 24 bytes with link_state @20", () => {
  const r = new Uint8Array(40).fill(0xaa);
  const n = encodeRegionInfo({ argsz: 32, flags: 7, index: 16, capOffset: 0, size: 4194304, offset: 0x1000 }, r);
  assert.equal(n, 32);
  assert.equal(REGION_INFO_SIZE, 32);
  assert.equal(getU64(r, 16), 4194304n);
  assert.equal(getU64(r, 24), 0x1000n);
  assert.deepEqual([...r.subarray(32)], new Array(8).fill(0xaa));

  const e = new Uint8Array(24);
  encodeGfxEdid({ edidOffset: 0x800, edidMaxSize: 1024, edidSize: 128, maxXres: 1920, maxYres: 1440, linkState: VFIO_DEVICE_GFX_LINK_STATE_UP }, e);
  assert.equal(GFX_EDID_SIZE, 24);
  assert.equal(getU32(e, 0), 0x800);
  assert.equal(getU32(e, 20), 1);
});

test("§6.2 region TYPE cap is 16 bytes: id 2 @0, version 1 @2, type @8, subtype @12", () => {
  const c = encodeRegionTypeCap(VFIO_REGION_TYPE_GFX, VFIO_REGION_SUBTYPE_GFX_EDID);
  assert.equal(c.length, 16);
  assert.deepEqual([...c.subarray(0, 4)], [2, 0, 1, 0]);
  assert.equal(getU32(c, 4), 0);
  assert.equal(getU32(c, 8), 1);
  assert.equal(getU32(c, 12), 1);
  const vendor = encodeRegionTypeCap(0x80008086, 3);
  assert.equal(getU32(vendor, 8), 0x80008086);
  assert.equal(getU32(vendor, 12), 3);
});

// ---------------------------------------------------------------------------------------------------------
// §6 fact 3: fourcc and modifiers

test("§6.3 fourcc codes and the Y-tiled modifier", () => {
  assert.equal(fourcc("XR24"), 0x34325258);
  assert.equal(fourcc("YUYV"), 0x56595559);
  assert.equal(DrmFormat.XRGB8888, 0x34325258);
  assert.equal(DrmFormat.YUYV, 0x56595559);
  assert.equal(I915_FORMAT_MOD_Y_TILED, 0x0100000000000002n);
  assert.equal(I915_FORMAT_MOD_X_TILED, 0x0100000000000001n);
  assert.equal(I915_FORMAT_MOD_Yf_TILED, 0x0100000000000003n);
  assert.equal(DRM_FORMAT_MOD_LINEAR, 0n);
  assert.equal(DRM_FORMAT_MOD_INVALID, 0x00ffffffffffffffn);
  assert.equal(DRM_FORMAT_BIG_ENDIAN, 0x80000000);
  // values from the §2.2 table
  const table: [DrmFormatName, number][] = [
    ["C8", 538982467],
    ["RGB565", 909199186],
    ["XRGB8888", 875713112],
    ["ARGB8888", 875713089],
    ["XBGR8888", 875709016],
    ["ABGR8888", 875708993],
    ["XRGB2101010", 808669784],
    ["XBGR2101010", 808665688],
    ["ARGB2101010", 808669761],
    ["ABGR2101010", 0x30334241],
    ["YUYV", 1448695129],
    ["YVYU", 1431918169],
    ["UYVY", 1498831189],
    ["VYUY", 1498765654],
  ];
  for (const [name, value] of table) assert.equal(DrmFormat[name], value, name);
  assert.throws(() => fourcc("XR2"), RangeError);
});

// ---------------------------------------------------------------------------------------------------------
// Codecs

interface DecoderCase {
  decoder: string;
  struct: string;
  minimum: number;
  decode: (b: Uint8Array) => unknown;
}

const DECODERS: readonly DecoderCase[] = [
  { decoder: "decodeGfxPlaneInfo", struct: "vfio_device_gfx_plane_info", minimum: 60, decode: decodeGfxPlaneInfo },
  { decoder: "decodeDeviceInfo", struct: "vfio_device_info", minimum: 16, decode: decodeDeviceInfo },
  { decoder: "decodeRegionInfo", struct: "vfio_region_info", minimum: 32, decode: decodeRegionInfo },
  { decoder: "decodeIrqInfo", struct: "vfio_irq_info", minimum: 16, decode: decodeIrqInfo },
  { decoder: "decodeIrqSet", struct: "vfio_irq_set", minimum: 20, decode: decodeIrqSet },
  { decoder: "decodeGfxEdid", struct: "vfio_region_gfx_edid", minimum: 24, decode: decodeGfxEdid },
  { decoder: "decodeGroupStatus", struct: "vfio_group_status", minimum: 8, decode: decodeGroupStatus },
  { decoder: "decodeDmaBufSync", struct: "dma_buf_sync", minimum: 8, decode: decodeDmaBufSync },
];

test("decoder minimums match the exported sizes", () => {
  assert.equal(GFX_PLANE_INFO_MINSZ, 60);
  assert.equal(DEVICE_INFO_MINSZ, 16);
  assert.equal(IRQ_INFO_SIZE, 16);
  assert.equal(IRQ_SET_SIZE, 20);
  assert.equal(GROUP_STATUS_SIZE, 8);
  assert.equal(DMA_BUF_SYNC_SIZE, 8);
  assert.equal(DEVICE_INFO_SIZE, 20);
});

for (const c of DECODERS) {
  test(`${c.decoder}: a buffer shorter than ${c.minimum} bytes throws StructTooShortError`, () => {
    for (const actual of [0, 1, c.minimum - 1]) {
      let thrown: unknown;
      try {
        c.decode(new Uint8Array(actual));
      } catch (e) {
        thrown = e;
      }
      assert.ok(thrown instanceof StructTooShortError, `${c.decoder}(${actual} bytes) must throw StructTooShortError`);
      assert.equal(thrown.struct, c.struct);
      assert.equal(thrown.minimum, c.minimum);
      assert.equal(thrown.actual, actual);
      assert.equal(thrown.name, "StructTooShortError");
      assert.match(thrown.message, new RegExp(`${c.struct}.*${c.minimum}.*${actual}`));
    }
    assert.doesNotThrow(() => c.decode(new Uint8Array(c.minimum)));
  });
}

const samplePlane: GfxPlaneInfo = {
  argsz: 64,
  flags: VFIO_GFX_PLANE_TYPE_DMABUF,
  drmPlaneType: DrmPlaneType.CURSOR,
  drmFormat: DrmFormat.ARGB8888,
  drmFormatMod: I915_FORMAT_MOD_Yf_TILED,
  width: 64,
  height: 64,
  stride: 256,
  size: 16384,
  xPos: 0x12345,
  yPos: 0xfedcba98,
  xHot: 0xffffffff,
  yHot: 7,
  id: 0x80000001,
};
const sampleDevice: DeviceInfo = { argsz: 20, flags: VfioDeviceFlags.PCI | VfioDeviceFlags.CAPS, numRegions: 10, numIrqs: 5, capOffset: 0x20 };
const sampleRegion: RegionInfo = {
  argsz: 32,
  flags: VfioRegionFlags.READ | VfioRegionFlags.WRITE | VfioRegionFlags.MMAP,
  index: 16,
  capOffset: 0,
  size: 0x1_0000_2000, // above 2^32: both u64 halves matter
  offset: 16 * 2 ** 40, // vfio-pci convention index << 40
};
const sampleIrqInfo: IrqInfo = { argsz: 16, flags: VfioIrqInfoFlags.EVENTFD | VfioIrqInfoFlags.NORESIZE, index: 4, count: 1 };
const sampleIrqSet: IrqSet = {
  argsz: 20,
  flags: VfioIrqSetFlags.DATA_EVENTFD | VfioIrqSetFlags.ACTION_TRIGGER,
  index: 2,
  start: 3,
  count: 0xffffffff,
};
const sampleGroup: GroupStatus = { argsz: 8, flags: VfioGroupFlags.VIABLE | VfioGroupFlags.CONTAINER_SET };
const sampleEdid: GfxEdid = { edidOffset: 0x800, edidMaxSize: 1024, edidSize: 256, maxXres: 1920, maxYres: 1440, linkState: 2 };

test("round trip encode → decode is identity for every struct", () => {
  const rt = <T>(size: number, encode: (v: T, b: Uint8Array) => unknown, decode: (b: Uint8Array) => T, v: T): void => {
    const b = new Uint8Array(size);
    encode(v, b);
    assert.deepStrictEqual(decode(b), v);
  };
  rt(64, encodeGfxPlaneInfo, decodeGfxPlaneInfo, samplePlane);
  rt(20, encodeDeviceInfo, decodeDeviceInfo, sampleDevice);
  rt(32, encodeRegionInfo, decodeRegionInfo, sampleRegion);
  rt(16, encodeIrqInfo, decodeIrqInfo, sampleIrqInfo);
  rt(20, encodeIrqSet, decodeIrqSet, sampleIrqSet);
  rt(8, encodeGroupStatus, decodeGroupStatus, sampleGroup);
  rt(24, encodeGfxEdid, decodeGfxEdid, sampleEdid);
  rt(8, (v: { flags: bigint }, b) => encodeDmaBufSync(v.flags, b), decodeDmaBufSync, { flags: BigInt(DmaBufSyncFlags.END | DmaBufSyncFlags.READ) });
  rt(8, (v: { flags: bigint }, b) => encodeDmaBufSync(v.flags, b), decodeDmaBufSync, { flags: 0xffffffff_fffffffen });
  // a u64 modifier with the top bit set survives too
  rt(64, encodeGfxPlaneInfo, decodeGfxPlaneInfo, { ...samplePlane, drmFormatMod: 0x8000000000000001n });
});

test("decodeDeviceInfo reads cap_offset only when the buffer holds it", () => {
  const b = new Uint8Array(20);
  encodeDeviceInfo(sampleDevice, b);
  assert.equal(decodeDeviceInfo(b.subarray(0, 16)).capOffset, 0);
  assert.equal(decodeDeviceInfo(b).capOffset, 0x20);
});

interface ArgszEncoderCase {
  encoder: string;
  size: number;
  /** encode the sample with the given argsz */
  encode: (argsz: number, target: Uint8Array) => number;
}

const ARGSZ_ENCODERS: readonly ArgszEncoderCase[] = [
  { encoder: "encodeGfxPlaneInfo", size: 64, encode: (argsz, t) => encodeGfxPlaneInfo({ ...samplePlane, argsz }, t) },
  { encoder: "encodeDeviceInfo", size: 20, encode: (argsz, t) => encodeDeviceInfo({ ...sampleDevice, argsz }, t) },
  { encoder: "encodeRegionInfo", size: 32, encode: (argsz, t) => encodeRegionInfo({ ...sampleRegion, argsz }, t) },
  { encoder: "encodeIrqInfo", size: 16, encode: (argsz, t) => encodeIrqInfo({ ...sampleIrqInfo, argsz }, t) },
  { encoder: "encodeIrqSet", size: 20, encode: (argsz, t) => encodeIrqSet({ ...sampleIrqSet, argsz }, t) },
  { encoder: "encodeGroupStatus", size: 8, encode: (argsz, t) => encodeGroupStatus({ ...sampleGroup, argsz }, t) },
];

/** The full encoding of a case with a given argsz value (a zeroed buffer of exactly the struct size). */
function fullEncoding(c: ArgszEncoderCase, argsz: number): Uint8Array {
  const b = new Uint8Array(c.size);
  c.encode(c.size, b);
  setU32(b, 0, argsz); // the argsz field is what differs
  return b;
}

const SLACK = 16;

for (const c of ARGSZ_ENCODERS) {
  test(`${c.encoder}: never writes at or past argsz`, () => {
    for (let argsz = 0; argsz < c.size; argsz++) {
      const buf = new Uint8Array(c.size + SLACK).fill(0xaa);
      const n = c.encode(argsz, buf);
      assert.equal(n, argsz, `returned byte count for argsz ${argsz}`);
      const expected = fullEncoding(c, argsz);
      assert.deepEqual([...buf.subarray(0, argsz)], [...expected.subarray(0, argsz)], `bytes below argsz ${argsz}`);
      assert.deepEqual([...buf.subarray(argsz)], new Array(buf.length - argsz).fill(0xaa), `bytes at/after argsz ${argsz}`);
    }
    // argsz larger than the struct: exactly the struct is written
    const big = new Uint8Array(c.size + SLACK).fill(0xaa);
    assert.equal(c.encode(c.size + 1000, big), c.size);
    assert.deepEqual([...big.subarray(c.size)], new Array(SLACK).fill(0xaa));
  });

  test(`${c.encoder}: a target shorter than argsz is filled up to its end, never beyond, without throwing`, () => {
    for (let len = 0; len < c.size; len++) {
      const backing = new Uint8Array(c.size + SLACK).fill(0xaa);
      const target = backing.subarray(0, len);
      let n = -1;
      assert.doesNotThrow(() => {
        n = c.encode(c.size, target);
      }, `target of ${len} bytes`);
      assert.equal(n, len);
      const expected = fullEncoding(c, c.size);
      assert.deepEqual([...backing.subarray(0, len)], [...expected.subarray(0, len)]);
      assert.deepEqual([...backing.subarray(len)], new Array(backing.length - len).fill(0xaa), `beyond a ${len}-byte target`);
    }
  });
}

const FIXED_ENCODERS: readonly { encoder: string; struct: string; size: number; encode: (t: Uint8Array) => void }[] = [
  { encoder: "encodeGfxEdid", struct: "vfio_region_gfx_edid", size: 24, encode: (t) => encodeGfxEdid(sampleEdid, t) },
  { encoder: "encodeDmaBufSync", struct: "dma_buf_sync", size: 8, encode: (t) => encodeDmaBufSync(DmaBufSyncFlags.START | DmaBufSyncFlags.RW, t) },
];

for (const c of FIXED_ENCODERS) {
  test(`${c.encoder} (no argsz): writes exactly ${c.size} bytes; a short target throws and is left untouched`, () => {
    const backing = new Uint8Array(c.size + SLACK).fill(0xaa);
    c.encode(backing.subarray(0, c.size));
    assert.deepEqual([...backing.subarray(c.size)], new Array(SLACK).fill(0xaa));
    assert.ok(backing.subarray(0, c.size).some((x) => x !== 0xaa));
    for (let len = 0; len < c.size; len++) {
      const b = new Uint8Array(c.size + SLACK).fill(0xaa);
      assert.throws(
        () => c.encode(b.subarray(0, len)),
        (e: unknown) => e instanceof StructTooShortError && e.struct === c.struct && e.minimum === c.size && e.actual === len,
      );
      assert.deepEqual([...b], new Array(b.length).fill(0xaa), `nothing written into a ${len}-byte target`);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// Region capability chain

function regionWithCaps(chain: Uint8Array, flags = VfioRegionFlags.READ | VfioRegionFlags.WRITE | VfioRegionFlags.CAPS): Uint8Array {
  const buf = new Uint8Array(32 + chain.length);
  encodeRegionInfo({ argsz: buf.length, flags, index: 9, capOffset: 32, size: 4096, offset: 0x2000 }, buf);
  buf.set(chain, 32);
  return buf;
}

const typeCap = () => encodeRegionTypeCap(VFIO_REGION_TYPE_GFX, VFIO_REGION_SUBTYPE_GFX_EDID);
const sparseAreas = [
  { offset: 0, size: 0x1000 },
  { offset: 0x3000, size: 0x2_0000_0000 },
];
const sparseCap = () => encodeSparseMmapCap(sparseAreas);

test("chainCaps links caps with absolute offsets and decodeRegionCaps reads them back", () => {
  const chain = chainCaps([typeCap(), sparseCap()]);
  assert.equal(chain.length, 16 + 16 + 2 * 16);
  assert.equal(getU32(chain, 4), 32 + 16, "first cap's next: offset of the second from the start of the info buffer");
  assert.equal(getU32(chain, 16 + 4), 0, "last cap's next ends the chain");
  const buf = regionWithCaps(chain);
  assert.equal(buf.length, 96);
  const caps = decodeRegionCaps(buf);
  assert.deepStrictEqual(caps, [
    { id: VfioRegionCapId.TYPE, version: 1, type: 1, subtype: 1 },
    { id: VfioRegionCapId.SPARSE_MMAP, version: 1, areas: sparseAreas },
  ]);
  assert.deepStrictEqual(findTypeCap(caps), { id: 2, version: 1, type: 1, subtype: 1 });
  assert.equal(decodeRegionInfo(buf).capOffset, 32);

  // the same caps in the other order
  const reversed = decodeRegionCaps(regionWithCaps(chainCaps([sparseCap(), typeCap()])));
  assert.deepStrictEqual(reversed.map((c) => c.id), [VfioRegionCapId.SPARSE_MMAP, VfioRegionCapId.TYPE]);
  // an unknown cap is kept raw, up to the next cap
  const unknown = new Uint8Array(12);
  unknown[0] = 0x63;
  unknown[2] = 5;
  const withUnknown = decodeRegionCaps(regionWithCaps(chainCaps([unknown, typeCap()])));
  assert.equal(withUnknown.length, 2);
  assert.equal(withUnknown[0]!.id, 0x63);
  assert.equal(withUnknown[0]!.version, 5);
  assert.ok("raw" in withUnknown[0]! && withUnknown[0].raw.length === 12);
  assert.deepStrictEqual(findTypeCap(withUnknown), { id: 2, version: 1, type: 1, subtype: 1 });
});

test("decodeRegionCaps returns nothing without the CAPS flag or with cap_offset 0", () => {
  const chain = chainCaps([typeCap()]);
  assert.deepStrictEqual(decodeRegionCaps(regionWithCaps(chain, VfioRegionFlags.READ)), []);
  const buf = regionWithCaps(chain);
  setU32(buf, 12, 0);
  assert.deepStrictEqual(decodeRegionCaps(buf), []);
  assert.equal(findTypeCap([]), undefined);
});

test("decodeRegionCaps terminates on loops and out-of-range next pointers without throwing", () => {
  const fresh = () => regionWithCaps(chainCaps([typeCap(), sparseCap()]));
  // second cap's next points back to the first
  const loop = fresh();
  setU32(loop, 48 + 4, 32);
  assert.deepStrictEqual(decodeRegionCaps(loop).map((c) => c.id), [2, 1]);
  // a cap pointing at itself
  const self = fresh();
  setU32(self, 32 + 4, 32);
  assert.deepStrictEqual(decodeRegionCaps(self).map((c) => c.id), [2]);
  // next past the end of the buffer, and next whose header would straddle the end
  for (const next of [self.length, self.length - 4, 0xffffffff]) {
    const b = fresh();
    setU32(b, 32 + 4, next);
    assert.deepStrictEqual(decodeRegionCaps(b).map((c) => c.id), [2], `next = ${next}`);
  }
  // cap_offset itself out of range
  const far = fresh();
  setU32(far, 12, 0xfffffff0);
  assert.deepStrictEqual(decodeRegionCaps(far), []);
  // nr_areas far larger than the buffer holds: stops at the end of the buffer
  const many = fresh();
  setU32(many, 48 + 8, 0xffffffff);
  const caps = decodeRegionCaps(many);
  assert.equal(caps.length, 2);
  assert.ok("areas" in caps[1]! && caps[1].areas.length === 2);
  // truncated buffers never throw
  const whole = fresh();
  for (let len = 32; len <= whole.length; len++) assert.doesNotThrow(() => decodeRegionCaps(whole.subarray(0, len)), `length ${len}`);
});

test("decodeRegionCaps survives arbitrary bytes in the chain", () => {
  let seed = 0x9e3779b9;
  const rnd = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  for (let i = 0; i < 2000; i++) {
    const b = regionWithCaps(chainCaps([typeCap(), sparseCap()]));
    for (let k = 0; k < 6; k++) b[32 + (rnd() % (b.length - 32))] = rnd() & 0xff;
    assert.doesNotThrow(() => decodeRegionCaps(b));
  }
});

// ---------------------------------------------------------------------------------------------------------
// GfxPlaneInfoView

/** KERNEL-ABI.md §1.6 offsets of the u32 fields the view exposes. */
const DOCUMENTED_U32: readonly [keyof GfxPlaneInfo & ("argsz" | "flags" | "drmPlaneType" | "drmFormat" | "width" | "height" | "stride" | "size" | "xPos" | "yPos" | "xHot" | "yHot" | "id"), number][] = [
  ["argsz", 0],
  ["flags", 4],
  ["drmPlaneType", 8],
  ["drmFormat", 12],
  ["width", 24],
  ["height", 28],
  ["stride", 32],
  ["size", 36],
  ["xPos", 40],
  ["yPos", 44],
  ["xHot", 48],
  ["yHot", 52],
  ["id", 56],
];

test("GfxPlaneInfoView: every setter writes its documented offset and every getter reads it", () => {
  for (const [field, offset] of DOCUMENTED_U32) {
    const view = new GfxPlaneInfoView();
    const value = 0xc0de0000 + offset;
    view[field] = value;
    assert.equal(getU32(view.bytes, offset), value, `${field} setter → offset ${offset}`);
    // only those 4 bytes changed
    const changed = [...view.bytes].map((x, i) => (x !== 0 ? i : -1)).filter((i) => i >= 0);
    assert.ok(changed.every((i) => i >= offset && i < offset + 4), `${field} wrote outside ${offset}..${offset + 3}`);
    assert.equal(decodeGfxPlaneInfo(view.bytes)[field], value, `${field} via decodeGfxPlaneInfo`);
    // getter: a value placed at the offset is read back
    const other = new GfxPlaneInfoView();
    setU32(other.bytes, offset, 0x0badf00d);
    assert.equal(other[field], 0x0badf00d, `${field} getter`);
  }
});

test("GfxPlaneInfoView.setModifier(lo, hi) round-trips I915_FORMAT_MOD_Yf_TILED at offset 16", () => {
  const view = new GfxPlaneInfoView();
  const yf = MODIFIERS.find((m) => m.value === I915_FORMAT_MOD_Yf_TILED);
  assert.ok(yf);
  assert.equal(yf.lo, 3);
  assert.equal(yf.hi, 0x01000000);
  view.setModifier(yf.lo, yf.hi);
  assert.equal(view.drmFormatMod, I915_FORMAT_MOD_Yf_TILED);
  assert.equal(view.modLo, 3);
  assert.equal(view.modHi, 0x01000000);
  assert.equal(decodeGfxPlaneInfo(view.bytes).drmFormatMod, I915_FORMAT_MOD_Yf_TILED);
  assert.equal(new DataView(view.bytes.buffer, view.bytes.byteOffset).getBigUint64(16, true), 0x0100000000000003n);
  assert.deepEqual([...view.bytes.subarray(0, 16)], new Array(16).fill(0));
  assert.deepEqual([...view.bytes.subarray(24)], new Array(40).fill(0));
});

test("GfxPlaneInfoView over a caller's buffer; too short a buffer throws", () => {
  const backing = new Uint8Array(64);
  const view = new GfxPlaneInfoView(backing);
  view.width = 1024;
  assert.equal(getU32(backing, 24), 1024);
  assert.throws(() => new GfxPlaneInfoView(new Uint8Array(63)), (e: unknown) => e instanceof StructTooShortError && e.minimum === 64 && e.actual === 63);
});

test("GfxPlaneInfoView.prepare zeroes all 64 bytes then sets argsz/flags/type", () => {
  const view = new GfxPlaneInfoView(new Uint8Array(64).fill(0xff));
  view.prepare(VFIO_GFX_PLANE_TYPE_REGION, DrmPlaneType.PRIMARY);
  assert.equal(view.argsz, 64);
  assert.equal(view.flags, 4);
  assert.equal(view.drmPlaneType, 1);
  assert.deepEqual([...view.bytes.subarray(12)], new Array(52).fill(0));
  assert.deepStrictEqual(decodeGfxPlaneInfo(view.bytes), { ...emptyGfxPlaneInfo(VFIO_GFX_PLANE_TYPE_REGION, DrmPlaneType.PRIMARY) });

  view.bytes.fill(0xee);
  view.prepare(VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF, DrmPlaneType.CURSOR, 59);
  assert.equal(view.argsz, 59);
  assert.equal(view.flags, 3);
  assert.equal(view.drmPlaneType, 2);
  assert.deepEqual([...view.bytes.subarray(12)], new Array(52).fill(0));
});

// ---------------------------------------------------------------------------------------------------------
// Naming helpers

test("fourccString / formatName", () => {
  assert.equal(fourccString(DrmFormat.XRGB8888), "XR24");
  assert.equal(fourccString(0x56595559), "YUYV");
  assert.equal(fourccString(DrmFormat.C8), "C8  ");
  assert.equal(fourccString(DrmFormat.XRGB8888 | DRM_FORMAT_BIG_ENDIAN), "XR24", "the big-endian flag is not a letter");
  assert.equal(formatName(0), "none");
  assert.equal(formatName(DrmFormat.XRGB8888), "XRGB8888");
  assert.equal(formatName(DrmFormat.ABGR2101010), "ABGR2101010");
  assert.equal(formatName(fourcc("NV12")), "'NV12'");
  assert.equal(formatDescriptor(fourcc("NV12")), undefined);
});

test("modifierName", () => {
  assert.equal(modifierName(DRM_FORMAT_MOD_LINEAR), "LINEAR");
  assert.equal(modifierName(I915_FORMAT_MOD_X_TILED), "I915_X_TILED");
  assert.equal(modifierName(I915_FORMAT_MOD_Y_TILED), "I915_Y_TILED");
  assert.equal(modifierName(I915_FORMAT_MOD_Yf_TILED), "I915_Yf_TILED");
  assert.equal(modifierName(DRM_FORMAT_MOD_INVALID), "0x00ffffffffffffff");
  assert.equal(modifierName(0x0100000000000006n), "0x0100000000000006");
  for (const m of MODIFIERS) assert.equal((BigInt(m.hi) << 32n) | BigInt(m.lo), m.value, m.name);
});

test("errnoName / describeResult", () => {
  assert.equal(errnoName(22), "EINVAL");
  assert.equal(errnoName(-22), "EINVAL");
  assert.equal(errnoName(-25), "ENOTTY");
  assert.equal(errnoName(-2), "ENOENT");
  assert.equal(errnoName(-95), "EOPNOTSUPP");
  assert.equal(errnoName(-200), "E200");
  assert.equal(describeResult(-Errno.EINVAL), "-EINVAL");
  assert.equal(describeResult(-13), "-EACCES");
  assert.equal(describeResult(0), "0");
  assert.equal(describeResult(7), "7");
  assert.equal(describeResult(-1), "-EPERM");
  assert.equal(describeResult(-300), "-E300");
  // every name maps back to itself
  for (const [name, value] of Object.entries(Errno)) assert.equal(errnoName(-value), name);
});

test("ioctlName uses device-fd names for shared numbers", () => {
  assert.equal(ioctlName(0x3b72), "VFIO_DEVICE_QUERY_GFX_PLANE");
  assert.equal(ioctlName(VFIO_IOMMU_UNMAP_DMA), "VFIO_DEVICE_QUERY_GFX_PLANE");
  assert.equal(ioctlName(0x3b73), "VFIO_DEVICE_GET_GFX_DMABUF");
  assert.equal(ioctlName(0x3b6c), "VFIO_DEVICE_GET_REGION_INFO");
  assert.equal(ioctlName(0x3b64), "VFIO_GET_API_VERSION");
  assert.equal(ioctlName(0x3b76), "VFIO_DEVICE_BIND_IOMMUFD");
  assert.equal(ioctlName(0x40086200), "DMA_BUF_IOCTL_SYNC");
  assert.equal(ioctlName(0x1234), "0x1234");
});

test("drmPlaneTypeName", () => {
  assert.equal(drmPlaneTypeName(0), "overlay");
  assert.equal(drmPlaneTypeName(1), "primary");
  assert.equal(drmPlaneTypeName(2), "cursor");
  assert.equal(drmPlaneTypeName(3), "plane-type-3");
});

// ---------------------------------------------------------------------------------------------------------
// FORMAT_DESCRIPTORS

/** The fourcc letters of each format (drm_fourcc.h / KERNEL-ABI.md §2.2). */
const LETTERS: Record<DrmFormatName, string> = {
  C8: "C8  ",
  RGB565: "RG16",
  XRGB8888: "XR24",
  ARGB8888: "AR24",
  XBGR8888: "XB24",
  ABGR8888: "AB24",
  XRGB2101010: "XR30",
  XBGR2101010: "XB30",
  ARGB2101010: "AR30",
  ABGR2101010: "AB30",
  YUYV: "YUYV",
  YVYU: "YVYU",
  UYVY: "UYVY",
  VYUY: "VYUY",
};

test("FORMAT_DESCRIPTORS: one entry per DrmFormat, code === fourcc(letters), lookup by code", () => {
  assert.deepEqual(FORMAT_DESCRIPTORS.map((d) => d.name).sort(), Object.keys(DrmFormat).sort());
  assert.equal(new Set(FORMAT_DESCRIPTORS.map((d) => d.code)).size, FORMAT_DESCRIPTORS.length, "codes are unique");
  for (const d of FORMAT_DESCRIPTORS) {
    assert.equal(d.code, fourcc(LETTERS[d.name]), d.name);
    assert.equal(d.code, DrmFormat[d.name], d.name);
    assert.equal(fourccString(d.code), LETTERS[d.name], d.name);
    assert.equal(formatDescriptor(d.code), d, d.name);
    assert.equal(formatName(d.code), d.name);
  }
});

test("FORMAT_DESCRIPTORS: rgb channels do not overlap and fit the pixel; yuv422 byte slots are a permutation", () => {
  for (const d of FORMAT_DESCRIPTORS) {
    if (d.kind === "rgb") {
      const channels: [string, Channel][] = [["r", d.r], ["g", d.g], ["b", d.b]];
      if (d.a) channels.push(["a", d.a]);
      let used = 0n;
      for (const [label, c] of channels) {
        assert.ok(c.bits > 0 && c.shift >= 0, `${d.name}.${label} is a real bit range`);
        assert.ok(c.shift + c.bits <= 8 * d.bytesPerPixel, `${d.name}.${label} fits ${8 * d.bytesPerPixel} bits`);
        const mask = ((1n << BigInt(c.bits)) - 1n) << BigInt(c.shift);
        assert.equal(used & mask, 0n, `${d.name}.${label} overlaps another channel`);
        used |= mask;
      }
      // alpha exactly for the A formats; X formats leave the top bits as padding
      assert.equal(d.a !== undefined, LETTERS[d.name].startsWith("A"), `${d.name} alpha`);
      if (d.a) assert.equal(used, (1n << BigInt(8 * d.bytesPerPixel)) - 1n, `${d.name} covers every bit`);
    } else if (d.kind === "yuv422") {
      assert.equal(d.bytesPerPixel, 2);
      assert.deepEqual([d.y0, d.u, d.y1, d.v].sort(), [0, 1, 2, 3], d.name);
      // the letters name the byte order: Y, U, Y, V in some order
      const letters = LETTERS[d.name];
      assert.equal(letters[d.u], "U", `${d.name} U slot`);
      assert.equal(letters[d.v], "V", `${d.name} V slot`);
      assert.equal(letters[d.y0], "Y", `${d.name} Y0 slot`);
      assert.equal(letters[d.y1], "Y", `${d.name} Y1 slot`);
      assert.ok(d.y0 < d.y1, `${d.name} Y0 precedes Y1`);
    } else {
      assert.equal(d.name, "C8");
      assert.equal(d.bytesPerPixel, 1);
    }
  }
});
