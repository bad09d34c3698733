/**
 * Compares src/abi with the real Linux uAPI headers.
 *
 * kernel-headers.c is compiled with gcc against <linux/vfio.h>, <linux/dma-buf.h>, <linux/pci_regs.h>, <linux/mman.h>,
 * <linux/fs.h>, <errno.h> and libdrm's <drm_fourcc.h>/<xf86drmMode.h>; it prints "NAME VALUE" lines. The
 * expected values come from the exports of src/abi, never from numbers typed here:
 *
 *  - every numeric export (scalars and the numeric tables such as VfioDeviceFlags or GfxPlaneInfoOffset)
 *    is mapped to a kernel name; an export that has no kernel counterpart must be listed in EXCLUDED with
 *    a reason, so adding an export without adding it to the C program makes this test fail;
 *  - the codecs themselves are probed: each encoder is given a marker value in one field and the byte
 *    position where the marker lands is compared with offsetof(); each decoder is given a marker at every
 *    possible position and the position it reads the field from is compared with offsetof().
 *
 * Missing tools never skip this test: it fails and names the Debian package to install.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { setU16, setU32, setU64, StructTooShortError } from "../../src/abi/bytes.ts";
import * as dmaBufNs from "../../src/abi/dma-buf.ts";
import * as fourccNs from "../../src/abi/drm-fourcc.ts";
import * as modifiersNs from "../../src/abi/drm-modifiers.ts";
import * as planeTypeNs from "../../src/abi/drm-plane-type.ts";
import * as errnoNs from "../../src/abi/errno.ts";
import * as ioctlNs from "../../src/abi/ioctl.ts";
import * as mmanNs from "../../src/abi/mman.ts";
import * as pciRegsNs from "../../src/abi/pci-regs.ts";
import * as c8PaletteNs from "../../src/abi/c8-palette.ts";
import * as tilingNs from "../../src/abi/intel-tiling.ts";
import * as planeNotifyNs from "../../src/abi/ext-plane-notify.ts";
import * as deviceInfoNs from "../../src/abi/vfio-device-info.ts";
import * as edidNs from "../../src/abi/vfio-gfx-edid.ts";
import * as planeNs from "../../src/abi/vfio-gfx-plane-info.ts";
import * as groupNs from "../../src/abi/vfio-group-status.ts";
import * as irqNs from "../../src/abi/vfio-irq-info.ts";
import * as regionNs from "../../src/abi/vfio-region-info.ts";

const { FORMAT_DESCRIPTORS } = fourccNs;
const { MODIFIERS } = modifiersNs;
const { VfioIommuType } = ioctlNs;
const { DEVICE_INFO_SIZE, decodeDeviceInfo, encodeDeviceInfo } = deviceInfoNs;
const { decodeGfxEdid, encodeGfxEdid } = edidNs;
const { GfxPlaneInfoView, decodeGfxPlaneInfo, encodeGfxPlaneInfo, emptyGfxPlaneInfo } = planeNs;
const { decodeGroupStatus, encodeGroupStatus } = groupNs;
const { decodeIrqInfo, decodeIrqSet, encodeIrqInfo, encodeIrqSet } = irqNs;
const { decodeRegionCaps, decodeRegionInfo, encodeRegionInfo, encodeRegionTypeCap, encodeSparseMmapCap, chainCaps, VfioRegionCapId, VfioRegionFlags } = regionNs;
const { decodeDmaBufSync, encodeDmaBufSync } = dmaBufNs;

// ---------------------------------------------------------------------------------------------------------
// Compile and run the C program.

const C_SOURCE = fileURLToPath(new URL("./kernel-headers.c", import.meta.url));

/** Which Debian package provides a header gcc could not find. */
function packageForHeader(header: string): string {
  if (/^(linux|asm|asm-generic)\//.test(header)) return "linux-libc-dev";
  if (/(^|\/)(drm_fourcc|xf86drmMode|drm|drm_mode)\.h$/.test(header)) return "libdrm-dev";
  return "libc6-dev";
}

function libdrmCflags(): string[] {
  const pc = spawnSync("pkg-config", ["--cflags", "libdrm"], { encoding: "utf8" });
  if (pc.status === 0 && pc.stdout.trim() !== "") return pc.stdout.trim().split(/\s+/);
  return ["-I/usr/include/libdrm"];
}

function compileAndRun(): Map<string, bigint> {
  const probe = spawnSync("gcc", ["--version"], { encoding: "utf8" });
  if (probe.error) {
    assert.fail(
      `gcc is not available (${probe.error.message}): install the Debian package gcc ` +
        `(this test also needs linux-libc-dev and libdrm-dev)`,
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), "vfio-kernel-headers-"));
  try {
    const exe = path.join(dir, "kernel-headers");
    const cc = spawnSync("gcc", ["-std=gnu11", "-Wall", "-Wextra", ...libdrmCflags(), C_SOURCE, "-o", exe], {
      encoding: "utf8",
    });
    if (cc.error) assert.fail(`running gcc failed (${cc.error.message}): install the Debian package gcc`);
    if (cc.status !== 0) {
      const missing = [...cc.stderr.matchAll(/fatal error: ([^:\s]+): No such file or directory/g)].map((m) => m[1]!);
      if (missing.length > 0) {
        const pkgs = [...new Set(missing.map(packageForHeader))];
        assert.fail(
          `kernel-headers.c: missing header(s) ${missing.join(", ")}: install the Debian package(s) ${pkgs.join(", ")}\n` +
            cc.stderr,
        );
      }
      assert.fail(
        `kernel-headers.c does not compile (needs Debian packages gcc, libc6-dev, linux-libc-dev, libdrm-dev):\n${cc.stderr}`,
      );
    }
    const run = spawnSync(exe, [], { encoding: "utf8" });
    if (run.error || run.status !== 0) {
      assert.fail(`kernel-headers exited with ${run.status} (${run.error?.message ?? ""}):\n${run.stderr}`);
    }
    const out = new Map<string, bigint>();
    const bad: string[] = [];
    for (const line of run.stdout.split("\n")) {
      if (line === "") continue;
      const m = /^(\S+) (\d+)$/.exec(line);
      if (!m) {
        bad.push(`malformed: ${JSON.stringify(line)}`);
        continue;
      }
      if (out.has(m[1]!)) bad.push(`duplicate: ${m[1]}`);
      out.set(m[1]!, BigInt(m[2]!));
    }
    assert.deepStrictEqual(bad, [], "kernel-headers output must be NAME VALUE lines with unique names");
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compiled and run once; a failure (with its package hint) is remembered and re-thrown to every test. */
let cached: { ok: Map<string, bigint> } | { error: unknown } | undefined;
function kernel(): Map<string, bigint> {
  if (cached === undefined) {
    try {
      cached = { ok: compileAndRun() };
    } catch (error) {
      cached = { error };
    }
  }
  if ("error" in cached) throw cached.error;
  return cached.ok;
}

// ---------------------------------------------------------------------------------------------------------
// Expected facts, built from the exports.

interface Fact {
  key: string;
  /** which export / codec the value comes from (shown in a mismatch) */
  source: string;
  value: bigint;
  /** kernel values also accepted besides `value` (header-version differences, each explained) */
  alsoAccept?: readonly bigint[];
}

const facts: Fact[] = [];
/** Problems found while building facts (an export we cannot map, a probe marker not found, ...). */
const buildProblems: string[] = [];

function add(key: string, source: string, value: number | bigint, alsoAccept?: readonly bigint[]): void {
  if (typeof value === "number" && !Number.isInteger(value)) {
    buildProblems.push(`${source}: ${value} is not an integer`);
    return;
  }
  facts.push({ key, source, value: BigInt(value), ...(alsoAccept ? { alsoAccept } : {}) });
}

/**
 * Kernel names added after Linux 6.1 (the headers this project builds against). They are compared when the
 * installed headers have them and otherwise reported as not present, instead of failing.
 */
const NEWER_THAN_6_1: Readonly<Record<string, string>> = {
  VFIO_DEVICE_FLAGS_CDX: "Linux 6.3",
  VFIO_DEVICE_BIND_IOMMUFD: "Linux 6.6",
  VFIO_DEVICE_ATTACH_IOMMUFD_PT: "Linux 6.6",
  VFIO_DEVICE_DETACH_IOMMUFD_PT: "Linux 6.6",
};

const snake = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Kernel macro names of VfioIommuType keys (the header's names are not a uniform prefix/suffix). */
const IOMMU_TYPE_NAMES: Record<keyof typeof VfioIommuType, string> = {
  TYPE1: "VFIO_TYPE1_IOMMU",
  SPAPR_TCE: "VFIO_SPAPR_TCE_IOMMU",
  TYPE1v2: "VFIO_TYPE1v2_IOMMU",
  DMA_CC: "VFIO_DMA_CC_IOMMU",
  EEH: "VFIO_EEH",
  SPAPR_TCE_v2: "VFIO_SPAPR_TCE_v2_IOMMU",
  NOIOMMU: "VFIO_NOIOMMU_IOMMU",
  UNMAP_ALL: "VFIO_UNMAP_ALL",
  UPDATE_VADDR: "VFIO_UPDATE_VADDR",
};

interface ModuleRules {
  file: string;
  ns: object;
  /** kernel key(s) for a scalar export whose name differs from the kernel's (default: same name) */
  scalars?: Readonly<Record<string, string | readonly string[]>>;
  /** kernel key for a field of a numeric table export */
  tables?: Readonly<Record<string, (field: string) => string>>;
  /** exports deliberately not compared here, with the reason */
  excluded?: Readonly<Record<string, string>>;
}

const MODULES: readonly ModuleRules[] = [
  {
    file: "ioctl.ts",
    ns: ioctlNs,
    scalars: Object.fromEntries(
      Object.keys(ioctlNs)
        .filter((n) => n.startsWith("IOC_"))
        .map((n) => [n, `_${n}`]),
    ),
    tables: { VfioIommuType: (f) => IOMMU_TYPE_NAMES[f as keyof typeof VfioIommuType] ?? `?VfioIommuType.${f}` },
  },
  {
    file: "dma-buf.ts",
    ns: dmaBufNs,
    scalars: { DMA_BUF_SYNC_SIZE: "sizeof.dma_buf_sync" },
    tables: { DmaBufSyncFlags: (f) => `DMA_BUF_SYNC_${f}` },
  },
  {
    file: "drm-fourcc.ts",
    ns: fourccNs,
    tables: { DrmFormat: (f) => `DRM_FORMAT_${f}` },
    excluded: { FORMAT_DESCRIPTORS: "each entry's code is compared below" },
  },
  {
    file: "drm-modifiers.ts",
    ns: modifiersNs,
    excluded: { MODIFIERS: "each entry's value and lo/hi halves are compared below" },
  },
  {
    file: "drm-plane-type.ts",
    ns: planeTypeNs,
    tables: { DrmPlaneType: (f) => `DRM_PLANE_TYPE_${f}` },
  },
  {
    file: "errno.ts",
    ns: errnoNs,
    tables: { Errno: (f) => f },
  },
  {
    file: "mman.ts",
    ns: mmanNs,
    excluded: {
      PAGE_SIZE: "not a uAPI constant: the page size belongs to the running kernel (the model fixes 4 KiB)",
      PAGE_SHIFT: "not a uAPI constant (see PAGE_SIZE)",
    },
  },
  {
    file: "pci-regs.ts",
    ns: pciRegsNs,
  },
  {
    file: "intel-tiling.ts",
    ns: tilingNs,
    excluded: {
      TILE_SIZE_BYTES: "hardware tile geometry (drm_fourcc.h states it in comments only); checked by test/abi/intel-tiling.test.ts",
      LINEAR_ALIGN_BYTES: "GVT's linear stride unit, from i915 code, not a uAPI constant",
      MAX_SURFACE_BYTES: "the u32 size field's range, not a uAPI constant",
      TILING_CPPS: "the bytes-per-pixel values the layouts are defined for, not a uAPI constant",
    },
  },
  {
    file: "ext-plane-notify.ts",
    ns: planeNotifyNs,
    excluded: {
      VFIO_DEVICE_INFO_CAP_PLANE_NOTIFY: "our extension, not in any kernel header",
      PLANE_NOTIFY_CAP_SIZE: "our extension, not in any kernel header",
      PlaneNotifyCapOffset: "our extension, not in any kernel header",
      DEVICE_INFO_CAPS_START: "our extension's layout choice (mainline sizeof(vfio_device_info))",
    },
  },
  {
    file: "c8-palette.ts",
    ns: c8PaletteNs,
    excluded: { C8_PALETTE: "our own convention for C8 (the ABI carries no palette), not a kernel value" },
  },
  {
    file: "vfio-device-info.ts",
    ns: deviceInfoNs,
    scalars: {
      DEVICE_INFO_MINSZ: "offsetofend.vfio_device_info.num_irqs",
      // DEVICE_INFO_SIZE is compared below (sizeof differs between header versions).
      DEVICE_INFO_SIZE: "offsetofend.vfio_device_info.cap_offset",
    },
    tables: {
      DeviceInfoOffset: (f) => `offsetof.vfio_device_info.${snake(f)}`,
      VfioDeviceFlags: (f) => `VFIO_DEVICE_FLAGS_${f}`,
      VfioPciRegion: (f) => `VFIO_PCI_${f}_REGION_INDEX`,
      VfioPciIrq: (f) => `VFIO_PCI_${f}_IRQ_INDEX`,
    },
  },
  {
    file: "vfio-gfx-edid.ts",
    ns: edidNs,
    scalars: { GFX_EDID_SIZE: "sizeof.vfio_region_gfx_edid" },
    tables: { GfxEdidOffset: (f) => `offsetof.vfio_region_gfx_edid.${snake(f)}` },
  },
  {
    file: "vfio-gfx-plane-info.ts",
    ns: planeNs,
    scalars: {
      GFX_PLANE_INFO_SIZE: "sizeof.vfio_device_gfx_plane_info",
      GFX_PLANE_INFO_MINSZ: "offsetofend.vfio_device_gfx_plane_info.region_index",
    },
    tables: {
      GfxPlaneInfoOffset: (f) =>
        // Linux 6.1 has no named `reserved` (only tail padding): it starts where the union ends.
        f === "reserved"
          ? "offsetofend.vfio_device_gfx_plane_info.region_index"
          : `offsetof.vfio_device_gfx_plane_info.${snake(f)}`,
    },
    excluded: { GFX_HOTSPOT_UNKNOWN: "linux/vfio.h states 0xFFFFFFFF only in a comment, no macro" },
  },
  {
    file: "vfio-group-status.ts",
    ns: groupNs,
    scalars: { GROUP_STATUS_SIZE: "sizeof.vfio_group_status" },
    tables: { VfioGroupFlags: (f) => `VFIO_GROUP_FLAGS_${f}` },
  },
  {
    file: "vfio-irq-info.ts",
    ns: irqNs,
    scalars: { IRQ_INFO_SIZE: "sizeof.vfio_irq_info", IRQ_SET_SIZE: "sizeof.vfio_irq_set" },
    tables: {
      IrqInfoOffset: (f) => `offsetof.vfio_irq_info.${snake(f)}`,
      VfioIrqInfoFlags: (f) => `VFIO_IRQ_INFO_${f}`,
      IrqSetOffset: (f) => `offsetof.vfio_irq_set.${snake(f)}`,
      VfioIrqSetFlags: (f) => `VFIO_IRQ_SET_${f}`,
    },
  },
  {
    file: "vfio-region-info.ts",
    ns: regionNs,
    scalars: {
      REGION_INFO_SIZE: "sizeof.vfio_region_info",
      CAP_HEADER_SIZE: "sizeof.vfio_info_cap_header",
      REGION_CAP_TYPE_SIZE: "sizeof.vfio_region_info_cap_type",
      SPARSE_MMAP_HEADER_SIZE: ["sizeof.vfio_region_info_cap_sparse_mmap", "offsetof.vfio_region_info_cap_sparse_mmap.areas"],
      SPARSE_MMAP_AREA_SIZE: "sizeof.vfio_region_sparse_mmap_area",
    },
    tables: {
      RegionInfoOffset: (f) => `offsetof.vfio_region_info.${snake(f)}`,
      VfioRegionFlags: (f) => `VFIO_REGION_INFO_FLAG_${f}`,
      VfioRegionCapId: (f) => `VFIO_REGION_INFO_CAP_${f}`,
    },
  },
];

const isNumber = (v: unknown): v is number | bigint => typeof v === "number" || typeof v === "bigint";

for (const mod of MODULES) {
  for (const [name, value] of Object.entries(mod.ns) as [string, unknown][]) {
    if (typeof value === "function") continue;
    if (mod.excluded?.[name] !== undefined) continue;
    const source = `${mod.file} ${name}`;
    if (isNumber(value)) {
      const keys = mod.scalars?.[name] ?? name;
      for (const key of typeof keys === "string" ? [keys] : keys) add(key, source, value);
    } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const toKey = mod.tables?.[name];
      if (!toKey) {
        buildProblems.push(`${source}: numeric table export with no kernel mapping (add one, or exclude it)`);
        continue;
      }
      for (const [field, v] of Object.entries(value as Record<string, unknown>)) {
        if (isNumber(v)) add(toKey(field), `${source}.${field}`, v);
        else buildProblems.push(`${source}.${field}: not a number`);
      }
    } else {
      buildProblems.push(`${source}: export of type ${typeof value} with no kernel mapping (add one, or exclude it)`);
    }
  }
}

// sizeof(struct vfio_device_info): 20 with the Linux 6.1 header this project models (the struct ends at
// cap_offset; DEVICE_INFO_SIZE is checked exactly against offsetofend(cap_offset) above). Mainline later
// added an explicit `__u32 pad` after cap_offset, making sizeof 24 with identical field offsets, so that
// value is accepted too. Drivers only ever copy offsetofend(num_irqs) (= DEVICE_INFO_MINSZ) bytes.
add("sizeof.vfio_device_info", "vfio-device-info.ts DEVICE_INFO_SIZE", DEVICE_INFO_SIZE, [BigInt(DEVICE_INFO_SIZE + 4)]);

for (const d of FORMAT_DESCRIPTORS) add(`DRM_FORMAT_${d.name}`, `FORMAT_DESCRIPTORS[${d.name}].code`, d.code);

for (const m of MODIFIERS) {
  const key = m.name.startsWith("I915_") ? `I915_FORMAT_MOD_${m.name.slice("I915_".length)}` : `DRM_FORMAT_MOD_${m.name}`;
  add(key, `MODIFIERS[${m.name}].value`, m.value);
  add(key, `MODIFIERS[${m.name}].hi:lo`, (BigInt(m.hi >>> 0) << 32n) | BigInt(m.lo >>> 0));
}

// ---------------------------------------------------------------------------------------------------------
// Codec probes: where does each encoder write a field, where does each decoder read it from.

type Kind = "u16" | "u32" | "u64n" | "u64b";
/** Bytes a kind occupies: what a kernel field of that kind must measure (fieldsize.*). */
const WIDTH: Record<Kind, number> = { u16: 2, u32: 4, u64n: 8, u64b: 8 };
/** Distinctive values; u64 read as a JS number must stay below 2^53. */
const MARKER = { u16: 0xa1b2, u32: 0xa1b2c3d4, u64n: 0x000f_1e2d_3c4b_5a69, u64b: 0xf1e2_d3c4_b5a6_9788n } as const;

function markerValue(kind: Kind): number | bigint {
  return MARKER[kind];
}

function markerBytes(kind: Kind): Uint8Array {
  const b = new Uint8Array(WIDTH[kind]);
  if (kind === "u16") setU16(b, 0, MARKER.u16);
  else if (kind === "u32") setU32(b, 0, MARKER.u32);
  else setU64(b, 0, BigInt(MARKER[kind]));
  return b;
}

function positions(hay: Uint8Array, needle: Uint8Array): number[] {
  const found: number[] = [];
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    found.push(i);
  }
  return found;
}

const PROBE_BUFFER = 256;

/** Record where `write` put the marker (must be exactly one place) as offsetof/offsetofend facts. */
function encoderFact(struct: string, cFields: readonly string[], kind: Kind, source: string, written: Uint8Array, bias = 0): void {
  const at = positions(written, markerBytes(kind));
  if (at.length !== 1) {
    buildProblems.push(`${source}: marker for ${struct}.${cFields.join("/")} found at [${at.join(", ")}], expected once`);
    return;
  }
  const off = at[0]! - bias;
  for (const f of cFields) {
    add(`offsetof.${struct}.${f}`, source, off);
    add(`offsetofend.${struct}.${f}`, source, off + WIDTH[kind]);
    add(`fieldsize.${struct}.${f}`, `${source} (${kind} round trip)`, WIDTH[kind]);
  }
}

/** Record the one offset from which `read` returns the marker. */
function decoderFact(struct: string, cFields: readonly string[], kind: Kind, source: string, read: (b: Uint8Array) => unknown): void {
  const hits: number[] = [];
  const mb = markerBytes(kind);
  for (let off = 0; off + mb.length <= PROBE_BUFFER; off++) {
    const b = new Uint8Array(PROBE_BUFFER);
    b.set(mb, off);
    if (read(b) === markerValue(kind)) hits.push(off);
  }
  if (hits.length !== 1) {
    buildProblems.push(`${source}: reads ${struct}.${cFields.join("/")} from [${hits.join(", ")}], expected one offset`);
    return;
  }
  for (const f of cFields) add(`offsetof.${struct}.${f}`, source, hits[0]!);
}

/** The minimum a decoder demands, from its StructTooShortError. */
function decoderMinimum(struct: string, key: string, source: string, decode: (b: Uint8Array) => unknown): void {
  try {
    decode(new Uint8Array(0));
    buildProblems.push(`${source}: accepted an empty buffer`);
  } catch (e) {
    if (e instanceof StructTooShortError) {
      if (e.struct !== struct) buildProblems.push(`${source}: error names struct "${e.struct}", expected "${struct}"`);
      add(key, `${source} StructTooShortError.minimum`, e.minimum);
    } else buildProblems.push(`${source}: threw ${String(e)} instead of StructTooShortError`);
  }
}

interface CodecSpec<T extends object> {
  struct: string;
  codec: string;
  zero: () => T;
  fields: readonly { ts: keyof T & string; c: readonly string[]; kind: Kind }[];
  encode: (v: T, target: Uint8Array) => unknown;
  decode: (b: Uint8Array) => T;
  /** kernel key the decoder's minimum length must equal */
  minimumKey: string;
  /** kernel key the number of bytes the encoder produces must equal */
  sizeKey: string;
  /** number of bytes the encoder produces given room to spare */
  encodedSize: () => number;
}

function probeCodec<T extends object>(spec: CodecSpec<T>): void {
  const hasArgsz = spec.fields.some((f) => f.ts === "argsz");
  for (const field of spec.fields) {
    const v = spec.zero() as Record<string, unknown>;
    // A large argsz lets the encoder write the whole struct; its 0xFF bytes cannot be mistaken for a marker.
    if (hasArgsz && field.ts !== "argsz") v["argsz"] = 0xffffffff;
    v[field.ts] = markerValue(field.kind);
    const target = new Uint8Array(PROBE_BUFFER);
    spec.encode(v as T, target);
    encoderFact(spec.struct, field.c, field.kind, `${spec.codec} encoder .${field.ts}`, target);
    decoderFact(spec.struct, field.c, field.kind, `${spec.codec} decoder .${field.ts}`, (b) => (spec.decode(b) as Record<string, unknown>)[field.ts]);
  }
  decoderMinimum(spec.struct, spec.minimumKey, `${spec.codec} decoder`, spec.decode);
  add(spec.sizeKey, `${spec.codec} encoder (bytes produced)`, spec.encodedSize());
}

/** Bytes an argsz-bounded encoder writes when argsz and the target leave room. */
const argszEncodedSize = <T extends { argsz: number }>(zero: () => T, encode: (v: T, t: Uint8Array) => number) => (): number =>
  encode({ ...zero(), argsz: 0xffffffff }, new Uint8Array(PROBE_BUFFER));

/** Bytes a fixed-size encoder needs: the minimum in the StructTooShortError it throws for an empty target. */
const fixedEncodedSize = (encode: (t: Uint8Array) => void) => (): number => {
  try {
    encode(new Uint8Array(0));
  } catch (e) {
    if (e instanceof StructTooShortError) return e.minimum;
  }
  return -1;
};

const zeroDeviceInfo = () => ({ argsz: 0, flags: 0, numRegions: 0, numIrqs: 0, capOffset: 0 });
probeCodec({
  struct: "vfio_device_info",
  codec: "encodeDeviceInfo/decodeDeviceInfo",
  zero: zeroDeviceInfo,
  fields: [
    { ts: "argsz", c: ["argsz"], kind: "u32" },
    { ts: "flags", c: ["flags"], kind: "u32" },
    { ts: "numRegions", c: ["num_regions"], kind: "u32" },
    { ts: "numIrqs", c: ["num_irqs"], kind: "u32" },
    { ts: "capOffset", c: ["cap_offset"], kind: "u32" },
  ],
  encode: encodeDeviceInfo,
  decode: decodeDeviceInfo,
  minimumKey: "offsetofend.vfio_device_info.num_irqs",
  sizeKey: "offsetofend.vfio_device_info.cap_offset",
  encodedSize: argszEncodedSize(zeroDeviceInfo, encodeDeviceInfo),
});

const zeroRegionInfo = () => ({ argsz: 0, flags: 0, index: 0, capOffset: 0, size: 0, offset: 0 });
probeCodec({
  struct: "vfio_region_info",
  codec: "encodeRegionInfo/decodeRegionInfo",
  zero: zeroRegionInfo,
  fields: [
    { ts: "argsz", c: ["argsz"], kind: "u32" },
    { ts: "flags", c: ["flags"], kind: "u32" },
    { ts: "index", c: ["index"], kind: "u32" },
    { ts: "capOffset", c: ["cap_offset"], kind: "u32" },
    { ts: "size", c: ["size"], kind: "u64n" },
    { ts: "offset", c: ["offset"], kind: "u64n" },
  ],
  encode: encodeRegionInfo,
  decode: decodeRegionInfo,
  minimumKey: "sizeof.vfio_region_info",
  sizeKey: "sizeof.vfio_region_info",
  encodedSize: argszEncodedSize(zeroRegionInfo, encodeRegionInfo),
});

const zeroIrqInfo = () => ({ argsz: 0, flags: 0, index: 0, count: 0 });
probeCodec({
  struct: "vfio_irq_info",
  codec: "encodeIrqInfo/decodeIrqInfo",
  zero: zeroIrqInfo,
  fields: [
    { ts: "argsz", c: ["argsz"], kind: "u32" },
    { ts: "flags", c: ["flags"], kind: "u32" },
    { ts: "index", c: ["index"], kind: "u32" },
    { ts: "count", c: ["count"], kind: "u32" },
  ],
  encode: encodeIrqInfo,
  decode: decodeIrqInfo,
  minimumKey: "sizeof.vfio_irq_info",
  sizeKey: "sizeof.vfio_irq_info",
  encodedSize: argszEncodedSize(zeroIrqInfo, encodeIrqInfo),
});

const zeroIrqSet = () => ({ argsz: 0, flags: 0, index: 0, start: 0, count: 0 });
probeCodec({
  struct: "vfio_irq_set",
  codec: "encodeIrqSet/decodeIrqSet",
  zero: zeroIrqSet,
  fields: [
    { ts: "argsz", c: ["argsz"], kind: "u32" },
    { ts: "flags", c: ["flags"], kind: "u32" },
    { ts: "index", c: ["index"], kind: "u32" },
    { ts: "start", c: ["start"], kind: "u32" },
    { ts: "count", c: ["count"], kind: "u32" },
  ],
  encode: encodeIrqSet,
  decode: decodeIrqSet,
  minimumKey: "sizeof.vfio_irq_set",
  // the header ends where the flexible data[] begins
  sizeKey: "offsetof.vfio_irq_set.data",
  encodedSize: argszEncodedSize(zeroIrqSet, encodeIrqSet),
});

const zeroPlane = () => ({ ...emptyGfxPlaneInfo(), argsz: 0 });
probeCodec({
  struct: "vfio_device_gfx_plane_info",
  codec: "encodeGfxPlaneInfo/decodeGfxPlaneInfo",
  zero: zeroPlane,
  fields: [
    { ts: "argsz", c: ["argsz"], kind: "u32" },
    { ts: "flags", c: ["flags"], kind: "u32" },
    { ts: "drmPlaneType", c: ["drm_plane_type"], kind: "u32" },
    { ts: "drmFormat", c: ["drm_format"], kind: "u32" },
    { ts: "drmFormatMod", c: ["drm_format_mod"], kind: "u64b" },
    { ts: "width", c: ["width"], kind: "u32" },
    { ts: "height", c: ["height"], kind: "u32" },
    { ts: "stride", c: ["stride"], kind: "u32" },
    { ts: "size", c: ["size"], kind: "u32" },
    { ts: "xPos", c: ["x_pos"], kind: "u32" },
    { ts: "yPos", c: ["y_pos"], kind: "u32" },
    { ts: "xHot", c: ["x_hot"], kind: "u32" },
    { ts: "yHot", c: ["y_hot"], kind: "u32" },
    { ts: "id", c: ["region_index", "dmabuf_id"], kind: "u32" },
  ],
  encode: encodeGfxPlaneInfo,
  decode: decodeGfxPlaneInfo,
  minimumKey: "offsetofend.vfio_device_gfx_plane_info.region_index",
  sizeKey: "sizeof.vfio_device_gfx_plane_info",
  encodedSize: argszEncodedSize(zeroPlane, encodeGfxPlaneInfo),
});

const zeroGroup = () => ({ argsz: 0, flags: 0 });
probeCodec({
  struct: "vfio_group_status",
  codec: "encodeGroupStatus/decodeGroupStatus",
  zero: zeroGroup,
  fields: [
    { ts: "argsz", c: ["argsz"], kind: "u32" },
    { ts: "flags", c: ["flags"], kind: "u32" },
  ],
  encode: encodeGroupStatus,
  decode: decodeGroupStatus,
  minimumKey: "sizeof.vfio_group_status",
  sizeKey: "sizeof.vfio_group_status",
  encodedSize: argszEncodedSize(zeroGroup, encodeGroupStatus),
});

const zeroEdid = () => ({ edidOffset: 0, edidMaxSize: 0, edidSize: 0, maxXres: 0, maxYres: 0, linkState: 0 });
probeCodec({
  struct: "vfio_region_gfx_edid",
  codec: "encodeGfxEdid/decodeGfxEdid",
  zero: zeroEdid,
  fields: [
    { ts: "edidOffset", c: ["edid_offset"], kind: "u32" },
    { ts: "edidMaxSize", c: ["edid_max_size"], kind: "u32" },
    { ts: "edidSize", c: ["edid_size"], kind: "u32" },
    { ts: "maxXres", c: ["max_xres"], kind: "u32" },
    { ts: "maxYres", c: ["max_yres"], kind: "u32" },
    { ts: "linkState", c: ["link_state"], kind: "u32" },
  ],
  encode: encodeGfxEdid,
  decode: decodeGfxEdid,
  minimumKey: "sizeof.vfio_region_gfx_edid",
  sizeKey: "sizeof.vfio_region_gfx_edid",
  encodedSize: fixedEncodedSize((t) => encodeGfxEdid(zeroEdid(), t)),
});

probeCodec({
  struct: "dma_buf_sync",
  codec: "encodeDmaBufSync/decodeDmaBufSync",
  zero: () => ({ flags: 0n as bigint }),
  fields: [{ ts: "flags", c: ["flags"], kind: "u64b" }],
  encode: (v, t) => encodeDmaBufSync(v.flags, t),
  decode: decodeDmaBufSync,
  minimumKey: "sizeof.dma_buf_sync",
  sizeKey: "sizeof.dma_buf_sync",
  encodedSize: fixedEncodedSize((t) => encodeDmaBufSync(0n, t)),
});

// GfxPlaneInfoView: the allocation-free accessors a driver and a 60 Hz consumer use.
{
  const struct = "vfio_device_gfx_plane_info";
  const props: readonly { ts: "argsz" | "flags" | "drmPlaneType" | "drmFormat" | "width" | "height" | "stride" | "size" | "xPos" | "yPos" | "xHot" | "yHot" | "id"; c: readonly string[] }[] = [
    { ts: "argsz", c: ["argsz"] },
    { ts: "flags", c: ["flags"] },
    { ts: "drmPlaneType", c: ["drm_plane_type"] },
    { ts: "drmFormat", c: ["drm_format"] },
    { ts: "width", c: ["width"] },
    { ts: "height", c: ["height"] },
    { ts: "stride", c: ["stride"] },
    { ts: "size", c: ["size"] },
    { ts: "xPos", c: ["x_pos"] },
    { ts: "yPos", c: ["y_pos"] },
    { ts: "xHot", c: ["x_hot"] },
    { ts: "yHot", c: ["y_hot"] },
    { ts: "id", c: ["region_index", "dmabuf_id"] },
  ];
  const viewOf = (b: Uint8Array): InstanceType<typeof GfxPlaneInfoView> => new GfxPlaneInfoView(b.subarray(0, planeNs.GFX_PLANE_INFO_SIZE));
  for (const p of props) {
    const view = new GfxPlaneInfoView();
    view[p.ts] = MARKER.u32;
    encoderFact(struct, p.c, "u32", `GfxPlaneInfoView setter .${p.ts}`, view.bytes);
    decoderFact(struct, p.c, "u32", `GfxPlaneInfoView getter .${p.ts}`, (b) => viewOf(b)[p.ts]);
  }
  const mod = new GfxPlaneInfoView();
  mod.setModifier(Number(MARKER.u64b & 0xffffffffn), Number(MARKER.u64b >> 32n));
  encoderFact(struct, ["drm_format_mod"], "u64b", "GfxPlaneInfoView.setModifier(lo, hi)", mod.bytes);
  decoderFact(struct, ["drm_format_mod"], "u64b", "GfxPlaneInfoView getter .drmFormatMod", (b) => viewOf(b).drmFormatMod);
  decoderFact(struct, ["drm_format_mod"], "u32", "GfxPlaneInfoView getter .modLo", (b) => viewOf(b).modLo);
  // modHi is the upper half: the u64 starts 4 bytes before it
  const hiHits: number[] = [];
  for (let off = 0; off + 4 <= planeNs.GFX_PLANE_INFO_SIZE; off++) {
    const b = new Uint8Array(PROBE_BUFFER);
    b.set(markerBytes("u32"), off);
    if (viewOf(b).modHi === MARKER.u32) hiHits.push(off);
  }
  if (hiHits.length === 1) add(`offsetof.${struct}.drm_format_mod`, "GfxPlaneInfoView getter .modHi - 4", hiHits[0]! - 4);
  else buildProblems.push(`GfxPlaneInfoView.modHi read from [${hiHits.join(", ")}]`);
}

// Region capabilities: vfio_info_cap_header, vfio_region_info_cap_type, vfio_region_info_cap_sparse_mmap.
{
  // id: the only non-zero bytes of a TYPE cap with type = subtype = version = 0
  const idOnly = encodeRegionTypeCap(0, 0, 0);
  const idBytes = new Uint8Array(2);
  setU16(idBytes, 0, VfioRegionCapId.TYPE);
  const idAt = positions(idOnly, idBytes);
  if (idAt.length === 1) {
    add("offsetof.vfio_info_cap_header.id", "encodeRegionTypeCap id", idAt[0]!);
    add("offsetofend.vfio_info_cap_header.id", "encodeRegionTypeCap id", idAt[0]! + WIDTH.u16);
    add("fieldsize.vfio_info_cap_header.id", "encodeRegionTypeCap id (u16)", WIDTH.u16);
    add("offsetof.vfio_region_info_cap_type.header", "encodeRegionTypeCap (header starts at the id)", idAt[0]!);
  } else buildProblems.push(`encodeRegionTypeCap: cap id found at [${idAt.join(", ")}]`);

  encoderFact("vfio_info_cap_header", ["version"], "u16", "encodeRegionTypeCap version", encodeRegionTypeCap(0, 0, MARKER.u16));
  encoderFact("vfio_region_info_cap_type", ["type"], "u32", "encodeRegionTypeCap type", encodeRegionTypeCap(MARKER.u32, 0, 0));
  encoderFact("vfio_region_info_cap_type", ["subtype"], "u32", "encodeRegionTypeCap subtype", encodeRegionTypeCap(0, MARKER.u32, 0));
  add("sizeof.vfio_region_info_cap_type", "encodeRegionTypeCap length", idOnly.length);

  // next: chainCaps writes base + (offset of the following cap); pick base so that equals the marker.
  const chained = chainCaps([encodeRegionTypeCap(0, 0, 0), encodeRegionTypeCap(0, 0, 0)], MARKER.u32 - idOnly.length);
  encoderFact("vfio_info_cap_header", ["next"], "u32", "chainCaps next", chained.subarray(0, idOnly.length));

  const empty = encodeSparseMmapCap([], 0);
  add("sizeof.vfio_region_info_cap_sparse_mmap", "encodeSparseMmapCap([]) length", empty.length);
  add("offsetof.vfio_region_info_cap_sparse_mmap.areas", "encodeSparseMmapCap([]) length", empty.length);
  const sparseIdBytes = new Uint8Array(2);
  setU16(sparseIdBytes, 0, VfioRegionCapId.SPARSE_MMAP);
  const sparseIdAt = positions(empty, sparseIdBytes);
  if (sparseIdAt.length >= 1) add("offsetof.vfio_region_info_cap_sparse_mmap.header", "encodeSparseMmapCap (header starts at the id)", sparseIdAt[0]!);
  // nr_areas: 3 zero areas leave the count as the only u32 equal to 3
  const three = encodeSparseMmapCap([{ offset: 0, size: 0 }, { offset: 0, size: 0 }, { offset: 0, size: 0 }], 0);
  const countBytes = new Uint8Array(4);
  setU32(countBytes, 0, 3);
  const nrAt = positions(three, countBytes);
  if (nrAt.length === 1) {
    const nr = nrAt[0]!;
    add("offsetof.vfio_region_info_cap_sparse_mmap.nr_areas", "encodeSparseMmapCap nr_areas", nr);
    add("offsetofend.vfio_region_info_cap_sparse_mmap.nr_areas", "encodeSparseMmapCap nr_areas", nr + WIDTH.u32);
    add("fieldsize.vfio_region_info_cap_sparse_mmap.nr_areas", "encodeSparseMmapCap nr_areas (u32)", WIDTH.u32);
    // reserved: the untouched gap between nr_areas and areas[]
    add("offsetof.vfio_region_info_cap_sparse_mmap.reserved", "encodeSparseMmapCap (gap after nr_areas)", nr + WIDTH.u32);
    add("fieldsize.vfio_region_info_cap_sparse_mmap.reserved", "encodeSparseMmapCap (gap after nr_areas)", empty.length - nr - WIDTH.u32);
    add("offsetofend.vfio_region_info_cap_sparse_mmap.reserved", "encodeSparseMmapCap (gap after nr_areas)", empty.length);
  } else buildProblems.push(`encodeSparseMmapCap: nr_areas found at [${nrAt.join(", ")}]`);

  const areaStruct = "vfio_region_sparse_mmap_area";
  encoderFact(areaStruct, ["offset"], "u64n", "encodeSparseMmapCap areas[0].offset", encodeSparseMmapCap([{ offset: MARKER.u64n, size: 0 }], 0), empty.length);
  encoderFact(areaStruct, ["size"], "u64n", "encodeSparseMmapCap areas[0].size", encodeSparseMmapCap([{ offset: 0, size: MARKER.u64n }], 0), empty.length);
  add(`sizeof.${areaStruct}`, "encodeSparseMmapCap (bytes per area)", encodeSparseMmapCap([{ offset: 0, size: 0 }], 0).length - empty.length);
}

// ---------------------------------------------------------------------------------------------------------

function compare(k: Map<string, bigint>): { mismatches: string[]; missing: string[]; notInTheseHeaders: string[]; compared: number } {
  const mismatches: string[] = [];
  const missing = new Set<string>();
  const notInTheseHeaders = new Set<string>();
  let compared = 0;
  for (const f of facts) {
    const actual = k.get(f.key);
    if (actual === undefined) {
      const since = NEWER_THAN_6_1[f.key];
      if (since !== undefined) notInTheseHeaders.add(`${f.key} (${since})`);
      else missing.add(f.key);
      continue;
    }
    compared++;
    if (actual !== f.value && !(f.alsoAccept ?? []).includes(actual)) {
      mismatches.push(`${f.key}: kernel ${actual}, ours ${f.value} (${f.source})`);
    }
  }
  return { mismatches, missing: [...missing].sort(), notInTheseHeaders: [...notInTheseHeaders].sort(), compared };
}

test("every numeric export of src/abi maps to a kernel name, and every codec probe found its field", () => {
  assert.deepStrictEqual(buildProblems, []);
});

test("src/abi agrees with the Linux uAPI headers (sizeof, offsetof, ioctl numbers, flags, fourccs, modifiers, errno)", (t) => {
  const k = kernel();
  assert.ok(k.size >= 150, `kernel-headers printed only ${k.size} facts`);
  const { mismatches, missing, notInTheseHeaders, compared } = compare(k);
  assert.deepStrictEqual(mismatches, [], "values that differ from the kernel headers");
  assert.deepStrictEqual(missing, [], "expected names that kernel-headers.c did not print");
  if (notInTheseHeaders.length > 0) t.diagnostic(`not in the installed headers (newer kernels): ${notInTheseHeaders.join(", ")}`);
  t.diagnostic(`${compared} facts compared (${facts.length} expected, ${k.size} kernel names)`);
  assert.ok(compared >= 150, `only ${compared} facts compared`);
});

test("every src/abi module that exports numbers is listed in MODULES", async () => {
  const dir = fileURLToPath(new URL("../../src/abi/", import.meta.url));
  const listed = new Set(MODULES.map((m) => m.file));
  const unlisted: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts")).sort()) {
    if (file === "index.ts" || listed.has(file)) continue; // index.ts only re-exports the others
    const ns = (await import(pathToFileURL(path.join(dir, file)).href)) as Record<string, unknown>;
    const numeric = Object.entries(ns).filter(
      ([, v]) => isNumber(v) || (v !== null && typeof v === "object" && !Array.isArray(v) && Object.values(v).some(isNumber)),
    );
    if (numeric.length > 0) unlisted.push(`${file}: ${numeric.map(([n]) => n).join(", ")}`);
  }
  assert.deepStrictEqual(unlisted, []);
});

test("every name kernel-headers.c prints is checked against at least one export or codec", () => {
  const covered = new Set(facts.map((f) => f.key));
  const unchecked = [...kernel().keys()].filter((key) => !covered.has(key));
  assert.deepStrictEqual(unchecked, []);
});

test("decodeRegionCaps reads a TYPE + SPARSE_MMAP chain laid out with the kernel's offsets", () => {
  const k = kernel();
  const at = (key: string): number => {
    const v = k.get(key);
    assert.notEqual(v, undefined, `kernel-headers did not print ${key}`);
    return Number(v);
  };
  const infoSize = at("sizeof.vfio_region_info");
  const typeSize = at("sizeof.vfio_region_info_cap_type");
  const sparseAt = infoSize + typeSize;
  const sparseHeader = at("sizeof.vfio_region_info_cap_sparse_mmap");
  const areaSize = at("sizeof.vfio_region_sparse_mmap_area");
  const total = sparseAt + sparseHeader + 2 * areaSize;
  const b = new Uint8Array(total);
  setU32(b, at("offsetof.vfio_region_info.argsz"), total);
  setU32(b, at("offsetof.vfio_region_info.flags"), VfioRegionFlags.READ | VfioRegionFlags.CAPS);
  setU32(b, at("offsetof.vfio_region_info.index"), 9);
  setU32(b, at("offsetof.vfio_region_info.cap_offset"), infoSize);
  setU64(b, at("offsetof.vfio_region_info.size"), 4096n);
  setU64(b, at("offsetof.vfio_region_info.offset"), 0x2000n);
  // TYPE cap at infoSize, next → sparse cap
  setU16(b, infoSize + at("offsetof.vfio_info_cap_header.id"), VfioRegionCapId.TYPE);
  setU16(b, infoSize + at("offsetof.vfio_info_cap_header.version"), 1);
  setU32(b, infoSize + at("offsetof.vfio_info_cap_header.next"), sparseAt);
  setU32(b, infoSize + at("offsetof.vfio_region_info_cap_type.type"), regionNs.VFIO_REGION_TYPE_GFX);
  setU32(b, infoSize + at("offsetof.vfio_region_info_cap_type.subtype"), regionNs.VFIO_REGION_SUBTYPE_GFX_EDID);
  // SPARSE_MMAP cap, end of chain
  setU16(b, sparseAt + at("offsetof.vfio_info_cap_header.id"), VfioRegionCapId.SPARSE_MMAP);
  setU16(b, sparseAt + at("offsetof.vfio_info_cap_header.version"), 1);
  setU32(b, sparseAt + at("offsetof.vfio_region_info_cap_sparse_mmap.nr_areas"), 2);
  const areas = sparseAt + at("offsetof.vfio_region_info_cap_sparse_mmap.areas");
  setU64(b, areas + at("offsetof.vfio_region_sparse_mmap_area.offset"), 0x0n);
  setU64(b, areas + at("offsetof.vfio_region_sparse_mmap_area.size"), 0x1000n);
  setU64(b, areas + areaSize + at("offsetof.vfio_region_sparse_mmap_area.offset"), 0x3000n);
  setU64(b, areas + areaSize + at("offsetof.vfio_region_sparse_mmap_area.size"), 0x2000n);

  assert.deepStrictEqual(decodeRegionInfo(b), {
    argsz: total,
    flags: VfioRegionFlags.READ | VfioRegionFlags.CAPS,
    index: 9,
    capOffset: infoSize,
    size: 4096,
    offset: 0x2000,
  });
  assert.deepStrictEqual(decodeRegionCaps(b), [
    { id: VfioRegionCapId.TYPE, version: 1, type: regionNs.VFIO_REGION_TYPE_GFX, subtype: regionNs.VFIO_REGION_SUBTYPE_GFX_EDID },
    { id: VfioRegionCapId.SPARSE_MMAP, version: 1, areas: [{ offset: 0, size: 0x1000 }, { offset: 0x3000, size: 0x2000 }] },
  ]);
});
