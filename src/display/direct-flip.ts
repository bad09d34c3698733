/**
 * Direct flip (seed 002, "Local Display Direct Flip"): a named output — a host display plane, an encoder
 * that imports dma-bufs itself — is given one device plane. From then on the guest's flips reach the
 * output as events carrying the dma-buf, and the consumer neither copies nor compares that plane's pixels.
 * The GVT proposal exposed plane framebuffers through KMS and was never merged; here it is a user-space
 * contract over the same QUERY_GFX_PLANE / GET_GFX_DMABUF calls.
 */
import type { DmaBufFile, Mapping } from "../abi/index.ts";

export interface FlipEvent {
  /** the output this event is for */
  output: string;
  dmabufId: number;
  /** the dma-buf (owned by the consumer's cache: do not close it; it stays valid until evicted) */
  file: DmaBufFile;
  /** the consumer's CPU mapping of it, or the errno mmap gave */
  mapping: Mapping | number;
  drmFormat: number;
  modifier: bigint;
  width: number;
  height: number;
  stride: number;
  /** cursor planes: position and hotspot (0xFFFFFFFF when unknown) */
  xPos: number;
  yPos: number;
  xHot: number;
  yHot: number;
}

export interface DirectFlipOutput {
  readonly name: string;
  /** DRM plane type the output takes (1 primary, 2 cursor) */
  readonly planeType: number;
  onFlip(event: FlipEvent): void;
  /** the plane went away (guest display off, device reset or removal) */
  onDisable?(reason: string): void;
}
