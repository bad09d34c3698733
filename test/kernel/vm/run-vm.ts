/**
 * Host side of the real-kernel test: build (or reuse) the 6.1 kernel, bundle the VM entry point, pack the
 * initramfs, boot it under QEMU (TCG: CI may have no /dev/kvm) and read the results off the serial console.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { B64_TAG, RESULT_BEGIN, RESULT_END, type VmEndToEnd } from "./vm-markers.ts";
import type { Observation, SuiteReport } from "../../../src/conformance/index.ts";

const here = dirname(fileURLToPath(import.meta.url));
const project = resolve(here, "../../..");

/** A suite report as the VM sends it: per check only what was observed (the host knows the rest). */
export interface VmSuite {
  target: SuiteReport["target"];
  summary: SuiteReport["summary"];
  ok: boolean;
  results: { id: string; status: string; observed: Observation; error?: string }[];
}

export interface VmResult {
  types: { parent: string; type: string; name: string; availableInstances: number; deviceApi: string }[];
  suites: VmSuite[];
  endToEnd: VmEndToEnd[];
  errors: string[];
  seconds: number;
}

export interface VmRun {
  kernelDir: string;
  kernelBuildSeconds: number;
  kernelCached: boolean;
  vmSeconds: number;
  serial: string;
  result: VmResult;
}

function run(cmd: string, args: string[], what: string, timeoutMs: number): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  if (r.status !== 0) throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`}):\n${(r.stderr ?? "").slice(-4000)}`);
  return r.stdout;
}

async function bundle(outfile: string): Promise<void> {
  // esbuild comes with tsx; the VM has no TypeScript loader, so the entry point goes in as one ES module.
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [join(here, "vm-main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["koffi"],
    outfile,
    logLevel: "error",
  });
}

function boot(kernelDir: string, initrd: string, timeoutMs: number): Promise<{ serial: string; seconds: number }> {
  const args = [
    "-accel", process.env.VFIO_DISPLAY_VM_ACCEL ?? "tcg",
    "-cpu", "max",
    "-m", "1024",
    "-smp", "1",
    "-nographic",
    "-no-reboot",
    "-kernel", join(kernelDir, "bzImage"),
    "-initrd", initrd,
    "-append", "console=ttyS0 panic=-1 loglevel=4 printk.devkmsg=on",
  ];
  const started = Date.now();
  return new Promise((resolveBoot, reject) => {
    const qemu = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
    let serial = "";
    qemu.stdout.on("data", (d: Buffer) => (serial += d.toString("utf8")));
    qemu.stderr.on("data", (d: Buffer) => (serial += d.toString("utf8")));
    const timer = setTimeout(() => {
      qemu.kill("SIGKILL");
      reject(new Error(`the VM did not power off within ${timeoutMs / 1000}s; serial console:\n${serial.slice(-6000)}`));
    }, timeoutMs);
    qemu.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`qemu-system-x86_64: ${e.message}`));
    });
    qemu.on("close", () => {
      clearTimeout(timer);
      resolveBoot({ serial, seconds: (Date.now() - started) / 1000 });
    });
  });
}

export function parseSerial(serial: string): VmResult {
  const begin = serial.indexOf(RESULT_BEGIN);
  const end = serial.indexOf(RESULT_END, begin);
  if (begin < 0 || end < 0) throw new Error(`no result on the serial console:\n${serial.slice(-6000)}`);
  const base64 = serial
    .slice(begin + RESULT_BEGIN.length, end)
    .split("\n")
    .map((l) => l.slice(l.indexOf(B64_TAG) >= 0 ? l.indexOf(B64_TAG) + B64_TAG.length : l.length).trim())
    .join("");
  return JSON.parse(Buffer.from(base64, "base64").toString("utf8")) as VmResult;
}

export async function runConformanceVm(options: { timeoutMs?: number } = {}): Promise<VmRun> {
  const built = spawnSync("bash", [join(here, "build-kernel.sh")], { encoding: "utf8", timeout: 60 * 60 * 1000, stdio: ["ignore", "pipe", "pipe"] });
  if (built.status !== 0) throw new Error(`kernel build failed:\n${(built.stderr ?? "").slice(-6000)}`);
  const kernelDir = built.stdout.trim().split("\n").at(-1)!;
  const kernelCached = /cached/.test(built.stderr);
  const kernelBuildSeconds = Number(readFileSync(join(kernelDir, "build-seconds"), "utf8"));
  const work = mkdtempSync(join(tmpdir(), "vfio-display-vm-"));
  try {
    const bundled = join(work, "vm-main.mjs");
    await bundle(bundled);
    const initrd = join(work, "initramfs.cpio.gz");
    run("bash", [join(here, "make-initramfs.sh"), kernelDir, bundled, project, initrd], "make-initramfs.sh", 10 * 60 * 1000);
    const { serial, seconds } = await boot(kernelDir, initrd, options.timeoutMs ?? 20 * 60 * 1000);
    return { kernelDir, kernelBuildSeconds, kernelCached, vmSeconds: seconds, serial, result: parseSerial(serial) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
