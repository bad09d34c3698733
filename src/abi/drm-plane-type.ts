/** enum drm_plane_type (include/drm/drm_plane.h): uABI through the KMS "type" property. */
export const DrmPlaneType = { OVERLAY: 0, PRIMARY: 1, CURSOR: 2 } as const;

export function drmPlaneTypeName(type: number): string {
  switch (type) {
    case DrmPlaneType.OVERLAY: return "overlay";
    case DrmPlaneType.PRIMARY: return "primary";
    case DrmPlaneType.CURSOR: return "cursor";
    default: return `plane-type-${type >>> 0}`;
  }
}
