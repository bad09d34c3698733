/**
 * GVT-g vGPU types and the physical GPU's graphics-memory budget they draw from.
 *
 * Types follow the fixed table in drivers/gpu/drm/i915/gvt/vgpu.c (`vgpu_types[]`): each has a low
 * (CPU-mappable "aperture") and a high ("hidden") graphics-memory size, 4 fence registers, a scheduling
 * weight and the resolution of the virtual monitor's EDID. On a gen9 (Skylake-class) host they are named
 * "GVTg_V5_<n>" (intel_gvt_init_vgpu_types). A type is listed only if its low GM fits the host's
 * aperture, so the 512 MiB aperture modelled here lists V5_8, V5_4 and V5_2 but not V5_1.
 */

const MiB = 1024 * 1024;

export interface GvtTypeSpec {
  /** sysfs type directory name, e.g. "GVTg_V5_8" (also its `name` attribute) */
  readonly id: string;
  /** low (aperture) graphics memory in bytes */
  readonly lowGm: number;
  /** high (hidden) graphics memory in bytes */
  readonly highGm: number;
  readonly fences: number;
  /** VGPU_WEIGHT(n) = 16 / n */
  readonly weight: number;
  /** the virtual monitor's resolution (GVT_EDID_1024_768 / GVT_EDID_1920_1200): EDID max_xres/max_yres */
  readonly maxX: number;
  readonly maxY: number;
}

export const GVT_TYPES: readonly GvtTypeSpec[] = [
  { id: "GVTg_V5_8", lowGm: 64 * MiB, highGm: 384 * MiB, fences: 4, weight: 2, maxX: 1024, maxY: 768 },
  { id: "GVTg_V5_4", lowGm: 128 * MiB, highGm: 512 * MiB, fences: 4, weight: 4, maxX: 1920, maxY: 1200 },
  { id: "GVTg_V5_2", lowGm: 256 * MiB, highGm: 1024 * MiB, fences: 4, weight: 8, maxX: 1920, maxY: 1200 },
];

/**
 * The physical GPU (a Skylake GT2 with a 512 MiB aperture). Gen8+ GGTT: 8 MiB of 8-byte PTEs covering
 * 4 GiB of graphics memory; the aperture is its first part, the hidden range the rest. The host keeps
 * HOST_LOW_GM_SIZE / HOST_HIGH_GM_SIZE / HOST_FENCE for itself (gvt.h).
 */
export const HOST_GM = {
  /** total graphics memory the GGTT maps: 1 Mi PTEs × 4 KiB */
  total: 4096 * MiB,
  apertureBase: 0,
  apertureSize: 512 * MiB,
  hiddenBase: 512 * MiB,
  hiddenSize: (4096 - 512) * MiB,
  hostLow: 128 * MiB,
  hostHigh: 384 * MiB,
  fences: 32,
  hostFences: 4,
} as const;

export function typeDescription(t: GvtTypeSpec): string {
  // The attribute text kvmgt's description_show prints (without the trailing newline).
  return (
    `low_gm_size: ${t.lowGm / MiB}MB\nhigh_gm_size: ${t.highGm / MiB}MB\nfence: ${t.fences}\n` +
    `resolution: ${t.maxX}x${t.maxY}\nweight: ${t.weight}`
  );
}
