#!/usr/bin/env node
// Builds the optional native pixel helpers (native/*.c) into build/native/libvfio-display-pixels.so.
// Run by `npm install`/`npm ci` (postinstall). Without a C compiler it says so and exits 0: the display
// consumer then uses its JavaScript paths, which give the same results, only slower.
// Where the system's static zlib is there (zlib1g-dev), native/with-zlib/*.c is built in too, with zlib
// linked statically and its symbols hidden (see zlib-deflate.c); else the helpers are built without it and
// the encoders use Node's zlib.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cSources = (dir) => readdirSync(join(root, dir)).filter((f) => f.endsWith(".c")).map((f) => join(root, dir, f));
const sources = cSources("native");
const zlibSources = cSources("native/with-zlib");
const outDir = join(root, "build", "native");
const out = join(outDir, "libvfio-display-pixels.so");

const compiler = ["cc", "gcc", "clang"].find((c) => spawnSync(c, ["--version"], { stdio: "ignore" }).status === 0);
if (!compiler) {
  rmSync(out, { force: true });
  console.log("native pixel helpers: no C compiler (cc, gcc or clang) found; the JavaScript paths will be used");
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const build = (extra) => spawnSync(compiler, ["-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-o", tmp, ...sources, ...extra], { encoding: "utf8" });
// zlib's objects from libz.a, their symbols local to the library (the node binary exports the same names)
let r = build([...zlibSources, "-Wl,--exclude-libs,ALL", "-Wl,-Bstatic", "-lz", "-Wl,-Bdynamic"]);
const withZlib = r.status === 0;
if (!withZlib) r = build([]);
if (r.status !== 0) {
  rmSync(tmp, { force: true });
  rmSync(out, { force: true }); // a library built from older sources must not stay in use
  console.log(`native pixel helpers: ${compiler} failed; the JavaScript paths will be used\n${r.stderr}`);
  process.exit(0);
}
renameSync(tmp, out); // atomic: a running process never loads a half-written library
console.log(`native pixel helpers: built ${out} ${withZlib ? "with the system's zlib" : "without zlib (no libz.a: zlib1g-dev); the encoders use Node's zlib"}`);
