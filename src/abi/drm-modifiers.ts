/**
 * DRM format modifiers (drm_fourcc.h). They exceed 2^53, so they are bigints; hot paths that only need to
 * write one use the lo/hi u32 halves.
 */
export const DRM_FORMAT_MOD_VENDOR_NONE = 0n;
export const DRM_FORMAT_MOD_VENDOR_INTEL = 0x01n;

export function fourccModCode(vendor: bigint, value: bigint): bigint {
  return (vendor << 56n) | (value & 0x00ff_ffff_ffff_ffffn);
}

export const DRM_FORMAT_MOD_LINEAR = 0n;
/** Deprecated alias of LINEAR. */
export const DRM_FORMAT_MOD_NONE = 0n;
export const DRM_FORMAT_MOD_INVALID = fourccModCode(DRM_FORMAT_MOD_VENDOR_NONE, 0x00ff_ffff_ffff_ffffn);
export const I915_FORMAT_MOD_X_TILED = fourccModCode(DRM_FORMAT_MOD_VENDOR_INTEL, 1n);
export const I915_FORMAT_MOD_Y_TILED = fourccModCode(DRM_FORMAT_MOD_VENDOR_INTEL, 2n);
export const I915_FORMAT_MOD_Yf_TILED = fourccModCode(DRM_FORMAT_MOD_VENDOR_INTEL, 3n);

export type TilingName = "linear" | "x" | "y" | "yf";

export interface ModifierDescriptor {
  name: string;
  tiling: TilingName;
  value: bigint;
  lo: number;
  hi: number;
}

const describe = (name: string, tiling: TilingName, value: bigint): ModifierDescriptor => ({
  name,
  tiling,
  value,
  lo: Number(value & 0xffffffffn),
  hi: Number(value >> 32n),
});

export const MODIFIERS: readonly ModifierDescriptor[] = [
  describe("LINEAR", "linear", DRM_FORMAT_MOD_LINEAR),
  describe("I915_X_TILED", "x", I915_FORMAT_MOD_X_TILED),
  describe("I915_Y_TILED", "y", I915_FORMAT_MOD_Y_TILED),
  describe("I915_Yf_TILED", "yf", I915_FORMAT_MOD_Yf_TILED),
];

export function modifierDescriptor(value: bigint): ModifierDescriptor | undefined {
  return MODIFIERS.find((m) => m.value === value);
}

export function modifierName(value: bigint): string {
  return modifierDescriptor(value)?.name ?? `0x${value.toString(16).padStart(16, "0")}`;
}
