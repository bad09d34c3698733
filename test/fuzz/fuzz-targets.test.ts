/**
 * Every fuzz target for 10,000 cases with a fixed seed (deterministic in CI; `npm run fuzz` explores with
 * a million cases and fresh seeds). A failure prints fast-check's counterexample and the seed/path that
 * replays it: `npm run fuzz -- --target NAME --seed S --path P --runs 1`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runFuzzTarget } from "./fuzz-target.ts";
import { FUZZ_TARGETS } from "./targets/index.ts";

const CASES = 10_000;
const SEED = 0x5eed;

for (const target of FUZZ_TARGETS) {
  test(`fuzz ${target.name}: ${CASES} cases`, async () => {
    const outcome = await runFuzzTarget(target, { numRuns: CASES, seed: SEED });
    assert.equal(outcome.failure, undefined, outcome.failure);
    assert.equal(outcome.runs, CASES);
  });
}
