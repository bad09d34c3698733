/**
 * Files served as they are: our pages' assets (src/web/static) and noVNC's ES modules straight from the
 * installed @novnc/novnc package (no CDN, no bundler: the browser imports /novnc/core/rfb.js and follows
 * its relative imports). A path never leaves its root; only known file types are served.
 */
import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServerResponse } from "node:http";
import { HttpError } from "./http-error.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json; charset=utf-8",
};

export const STATIC_ROOT = fileURLToPath(new URL("./static/", import.meta.url));

/** The root of the installed @novnc/novnc package (its "exports" only allow core/rfb.js, so find it by that). */
export function novncRoot(): string {
  const require = createRequire(import.meta.url);
  return resolve(dirname(require.resolve("@novnc/novnc")), "..");
}

export class StaticFiles {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Send `relative` (already percent-decoded) from the root, or throw a 404/403 HttpError. */
  async send(res: ServerResponse, relative: string, head = false): Promise<void> {
    if (relative.includes("\0")) throw new HttpError(400, "a NUL byte in the path");
    const path = resolve(join(this.root, relative));
    if (path !== this.root && !path.startsWith(this.root + sep)) throw new HttpError(403, `${relative} is outside the served folder`);
    const type = TYPES[extname(path)];
    if (!type) throw new HttpError(404, `no such file: ${relative}`);
    let body: Buffer;
    try {
      const s = await stat(path);
      if (!s.isFile()) throw new HttpError(404, `no such file: ${relative}`);
      body = await readFile(path);
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(404, `no such file: ${relative}`);
    }
    res.writeHead(200, { "content-type": type, "content-length": body.length, "cache-control": "no-cache", "x-content-type-options": "nosniff" });
    res.end(head ? undefined : body);
  }
}
