/**
 * `npm run fuzz`: every fuzz target (or the ones named) for a million cases each (or --runs), with a fresh
 * seed that is printed (or --seed, to repeat a run; --path with it replays one failing case), then a table
 * of cases and cases/s per target. Exit 1 if any target found a failure. Not part of CI: it takes long.
 *
 *   npm run fuzz -- --list
 *   npm run fuzz -- --target rfb-client-messages,ioctl-gvt --runs 200000 --seed 42
 */
import { parseArgs } from "node:util";
import { runFuzzTarget, type FuzzOutcome } from "./fuzz-target.ts";
import { FUZZ_TARGETS } from "./targets/index.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1000000" },
    target: { type: "string", multiple: true },
    seed: { type: "string" },
    path: { type: "string" },
    list: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log("usage: npm run fuzz -- [--runs N] [--target NAME[,NAME...]] [--seed S [--path P]] [--list]");
  process.exit(0);
}
if (values.list) {
  for (const t of FUZZ_TARGETS) console.log(`${t.name.padEnd(24)} ${t.summary}`);
  process.exit(0);
}
const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) {
  console.error(`fuzz: --runs must be a positive integer, got ${values.runs}`);
  process.exit(2);
}
const names = (values.target ?? []).flatMap((t) => t.split(",")).filter((t) => t !== "");
const unknown = names.filter((n) => !FUZZ_TARGETS.some((t) => t.name === n));
if (unknown.length > 0) {
  console.error(`fuzz: unknown target ${unknown.join(", ")} (--list shows them)`);
  process.exit(2);
}
const selected = names.length > 0 ? FUZZ_TARGETS.filter((t) => names.includes(t.name)) : FUZZ_TARGETS;
if (values.seed !== undefined && !Number.isSafeInteger(Number(values.seed))) {
  console.error(`fuzz: --seed must be an integer, got ${values.seed}`);
  process.exit(2);
}
const seed = values.seed !== undefined ? Number(values.seed) | 0 : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;

// an exception outside a case (a socket handler, a stray promise) is a finding of the target running
let stray: string | undefined;
process.on("uncaughtException", (e) => (stray ??= `uncaught exception: ${e.stack ?? e}`));
process.on("unhandledRejection", (e) => (stray ??= `unhandled rejection: ${(e as Error).stack ?? e}`));

console.log(`fuzz: ${selected.length} target(s), ${runs} cases each, seed ${seed}`);
const outcomes: FuzzOutcome[] = [];
for (const target of selected) {
  stray = undefined;
  const outcome = await runFuzzTarget(target, { numRuns: runs, seed, ...(values.path ? { path: values.path } : {}) });
  if (stray && !outcome.failure) outcome.failure = stray;
  outcomes.push(outcome);
  const status = outcome.failure ? "FAILED" : "ok";
  console.log(`${target.name}: ${status}, ${outcome.runs} cases in ${(outcome.ms / 1000).toFixed(1)} s (${Math.round(outcome.casesPerSecond)} cases/s)`);
  if (outcome.failure) console.log(outcome.failure);
}

console.log(`\n${"target".padEnd(24)} ${"cases".padStart(10)} ${"seconds".padStart(9)} ${"cases/s".padStart(9)}  result`);
for (const o of outcomes) {
  console.log(`${o.target.padEnd(24)} ${String(o.runs).padStart(10)} ${(o.ms / 1000).toFixed(1).padStart(9)} ${String(Math.round(o.casesPerSecond)).padStart(9)}  ${o.failure ? "FAILED" : "ok"}`);
}
console.log(`seed ${seed}`);
process.exit(outcomes.some((o) => o.failure) ? 1 : 0);
