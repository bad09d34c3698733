/** `npm run bench -- --quick` works and reports its figures (timings are reported by the bench, never asserted here). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("the quick bench runs the QUERY_GFX_PLANE benchmark and reports calls/s and heap bytes per call", () => {
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "bench/run.ts", "--quick", "--json"], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.quick, true);
  const [query] = report.results;
  assert.match(query.name, /QUERY_GFX_PLANE/);
  assert.equal(query.calls, 50_000);
  assert.ok(query.callsPerSecond > 0 && Number.isFinite(query.callsPerSecond));
  assert.equal(typeof query.alloc.bytesPerIteration, "number");
  assert.equal(typeof query.alloc.exact, "boolean");
});
