/**
 * The system's zlib as an oracle: a small C program linked with the system's libz (gcc, zlib1g-dev, both
 * installed by the test command), built once per process into a temporary directory. It deflates its stdin
 * on one fresh stream with the given level, window bits and flush, as the native helper's zlib must.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PROGRAM = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>
int main(int argc, char **argv) {
  if (argc != 4) return 2;
  size_t cap = 1 << 16, n = 0, got;
  unsigned char *in = malloc(cap);
  while ((got = fread(in + n, 1, cap - n, stdin)) > 0) if ((n += got) == cap) in = realloc(in, cap *= 2);
  z_stream z = {0};
  if (deflateInit2(&z, atoi(argv[1]), Z_DEFLATED, atoi(argv[2]), 8, Z_DEFAULT_STRATEGY) != Z_OK) return 3;
  size_t room = n + n / 1000 * 5 + 1024;
  unsigned char *out = malloc(room);
  z.next_in = in; z.avail_in = (uInt)n; z.next_out = out; z.avail_out = (uInt)room;
  int r = deflate(&z, atoi(argv[3]));
  if ((r != Z_OK && r != Z_BUF_ERROR) || z.avail_in != 0) return 4;
  fwrite(out, 1, room - z.avail_out, stdout);
  return 0;
}
`;

let program: string | undefined;

function build(): string {
  const dir = mkdtempSync(join(tmpdir(), "system-zlib-"));
  writeFileSync(join(dir, "deflate.c"), PROGRAM);
  const r = spawnSync("gcc", ["-O2", "-o", join(dir, "deflate"), join(dir, "deflate.c"), "-lz"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cannot build the system zlib oracle: ${r.stderr || r.error?.message}`);
  return join(dir, "deflate");
}

/** `data` deflated by the system's zlib on a fresh stream (windowBits negative: raw deflate), then `flush`. */
export function systemDeflate(data: Uint8Array, level: number, windowBits: number, flush: number): Buffer {
  program ??= build();
  const r = spawnSync(program, [String(level), String(windowBits), String(flush)], { input: data, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`system zlib oracle failed (${r.status})`);
  return r.stdout;
}

/** The version of the system's zlib, as its zlib.h names it. */
export function systemZlibVersion(): string {
  const r = spawnSync("sh", ["-c", "echo ZLIB_VERSION | gcc -E -P -include zlib.h - | tail -n 1"], { encoding: "utf8" });
  return r.stdout.trim().replace(/"/g, "");
}
