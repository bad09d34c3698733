/**
 * The process's open-file limit (RLIMIT_NOFILE), raised for tests that hold thousands of sockets: both
 * ends of every loopback connection live in the test process, so 1,000 connections need over 2,000 fds,
 * more than a shell's usual soft limit of 1,024. Raising the soft limit up to the hard one needs no
 * privilege (servers do the same at start); a hard limit below what is needed is an error that says so.
 */
import { readFileSync, readdirSync } from "node:fs";
import koffi from "koffi";

const RLIMIT_NOFILE = 7;

/** Open fds of this process (what /proc/self/fd lists, less the fd of the listing itself). */
export function openFdCount(): number {
  return readdirSync("/proc/self/fd").length - 1;
}

export function openFileLimit(): { soft: number; hard: number } {
  const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
  const [soft, hard] = (line ?? "").trim().split(/\s+/).slice(3, 5).map((v) => (v === "unlimited" ? Infinity : Number(v)));
  return { soft: soft ?? 0, hard: hard ?? 0 };
}

/** Make sure at least `needed` fds can be open; returns the soft limit now in force. */
export function ensureOpenFileLimit(needed: number): number {
  const { soft, hard } = openFileLimit();
  if (soft >= needed) return soft;
  if (hard < needed) throw new Error(`this test needs ${needed} open files; the hard limit is ${hard} (raise it: ulimit -Hn ${needed})`);
  const lib = koffi.load("libc.so.6");
  const setrlimit = lib.func("setrlimit", "int", ["int", "void *"]);
  const limits = new BigUint64Array([BigInt(needed), hard === Infinity ? 0xffff_ffff_ffff_ffffn : BigInt(hard)]);
  if (setrlimit(RLIMIT_NOFILE, limits) !== 0) throw new Error(`setrlimit(RLIMIT_NOFILE, ${needed}) failed`);
  return openFileLimit().soft;
}
