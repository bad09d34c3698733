/**
 * TightPNG (encoding −260), client side, as noVNC reads it: Tight's control byte with Fill (1000), JPEG
 * (1001) and PNG (1010: compact length + a PNG file); basic (zlib) compression is not part of it.
 */
import { Encoding } from "../../encodings.ts";
import { DecodeError, type DecodeContext } from "../decoder.ts";
import { decodeImage, TightDecoder } from "./tight.ts";

export class TightPngDecoder extends TightDecoder {
  override readonly encoding: number = Encoding.TightPNG;

  protected override basic(_ctx: DecodeContext, control: number): Promise<void> {
    return Promise.reject(new DecodeError(`TightPNG rectangle with basic compression (control 0x${control.toString(16).padStart(2, "0")})`));
  }

  protected override async other(ctx: DecodeContext, control: number, x: number, y: number, w: number, h: number): Promise<void> {
    if (control >>> 4 !== 0xa) throw new DecodeError(`TightPNG compression control 0x${control.toString(16).padStart(2, "0")} is not valid`);
    await decodeImage(ctx, x, y, w, h, "PNG");
  }
}
