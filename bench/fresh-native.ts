/**
 * Imported first by bench/run.ts: rebuilds the native pixel helpers from the sources checked out, before
 * anything loads them. A library left from an experiment (or an older checkout) would otherwise be measured
 * as if it were this commit's: runs 22l and 22m were, with a library built from sources tried and reverted
 * before them (docs/benchmarks.md). The build takes a few seconds and is atomic (scripts/build-native.mjs).
 */
import { spawnSync } from "node:child_process";

const script = new URL("../scripts/build-native.mjs", import.meta.url).pathname;
const built = spawnSync(process.execPath, [script], { encoding: "utf8" });
process.stderr.write(built.stdout + built.stderr);
if (built.status !== 0) throw new Error(`${script} exited with ${built.status}`);
