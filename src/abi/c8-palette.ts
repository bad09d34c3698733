/**
 * The palette vfio-display uses for DRM_FORMAT_C8 planes. The VFIO ABI carries no palette, so a consumer
 * cannot know the guest's; by convention our guests program, and our consumer shows, a fixed RGB 3-3-2
 * palette: entry i has R = i >> 5 (3 bits), G = (i >> 2) & 7 (3 bits), B = i & 3 (2 bits), each widened to
 * 8 bits by bit replication. One definition, so the guest writer and the consumer decoder agree exactly.
 */
const expand3 = (v: number): number => (v << 5) | (v << 2) | (v >> 1);
const expand2 = (v: number): number => v * 0x55;

/** XRGB8888 (0x00RRGGBB) for each C8 index. */
export const C8_PALETTE: Uint32Array = new Uint32Array(256);
for (let i = 0; i < 256; i++) C8_PALETTE[i] = (expand3(i >> 5) << 16) | (expand3((i >> 2) & 7) << 8) | expand2(i & 3);
