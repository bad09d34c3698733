/**
 * What the comparison needs beyond Node: the peers' Debian packages (installed here when missing and we
 * are root, else a clear message) and the small C programs in this folder, compiled with gcc into the bench
 * cache (recompiled when the source is newer than the binary).
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { benchCacheDir } from "../frame-recording.ts";

const HERE = new URL(".", import.meta.url).pathname;
/** The same packages as scripts/deps/bench-peers.list (CI installs them from there). */
export const PEER_PACKAGES = ["gcc", "libc6-dev", "pkg-config", "libvncserver-dev", "tigervnc-standalone-server", "libx11-dev", "libxext-dev", "zlib1g-dev", "libjpeg62-turbo-dev"];

export interface PeerTools {
  libvncserverFeeder: string;
  xshmFeeder: string;
  baselines: string;
  /** bench/peers/floor-server.c: the event-loop floor in C */
  floorServer: string;
  xvnc: string;
}

function installed(pkg: string): boolean {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("install ok installed");
}

/** Install the missing peer packages (root only); throws with what to run otherwise. */
export function ensurePeerPackages(): void {
  const missing = PEER_PACKAGES.filter((p) => !installed(p));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`the server comparison needs Debian packages ${missing.join(" ")}: run as root, or: sudo apt-get install -y ${missing.join(" ")}`);
  }
  process.stderr.write(`bench: installing ${missing.join(" ")}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let r = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { stdio: ["ignore", "ignore", "inherit"], env });
  if (r.status !== 0) {
    // a fresh machine may have no package lists yet
    spawnSync("apt-get", ["update", "-qq"], { stdio: ["ignore", "ignore", "inherit"], env });
    r = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { stdio: ["ignore", "ignore", "inherit"], env });
  }
  if (r.status !== 0) throw new Error(`apt-get install ${missing.join(" ")} failed (exit ${r.status})`);
}

function compile(source: string, output: string, flags: string[]): string {
  const src = join(HERE, source);
  const out = join(benchCacheDir(), output);
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) return out;
  const r = spawnSync("gcc", ["-O2", "-Wall", "-Werror", "-o", out, src, ...flags], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`gcc ${source} failed:\n${r.stderr}`);
  return out;
}

function pkgConfig(name: string): string[] {
  const r = spawnSync("pkg-config", ["--cflags", "--libs", name], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`pkg-config ${name}: ${r.stderr.trim()}`);
  return r.stdout.trim().split(/\s+/);
}

export function peerTools(): PeerTools {
  ensurePeerPackages();
  const xvnc = ["/usr/bin/Xtigervnc", "/usr/bin/Xvnc"].find((p) => existsSync(p));
  if (!xvnc) throw new Error("tigervnc-standalone-server is installed but neither Xtigervnc nor Xvnc is in /usr/bin");
  return {
    libvncserverFeeder: compile("libvncserver-feeder.c", "libvncserver-feeder", pkgConfig("libvncserver")),
    xshmFeeder: compile("xshm-feeder.c", "xshm-feeder", ["-lX11", "-lXext"]),
    baselines: compile("baselines.c", "baselines", ["-lz", "-ljpeg"]),
    floorServer: compile("floor-server.c", "floor-server", []),
    xvnc,
  };
}
