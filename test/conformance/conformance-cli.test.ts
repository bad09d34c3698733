/** `vfio-display conformance` and the suite's judging, on the model. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../../src/cli/main.ts";
import { formatReport, modelTarget, runSuite, sameObservation, mbochsProfile } from "../../src/conformance/index.ts";

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

test("conformance on the model: every driver passes its profile; the report has one line per check", async () => {
  const r = await cli(["conformance"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /20 checks: 20 passed, 0 documented, 0 failed, 0 errors — OK/);
  assert.match(r.out, /13 checks: 13 passed, 0 documented, 0 failed, 0 errors — OK/);
  assert.match(r.out, /14 checks: 13 passed, 1 documented, 0 failed, 0 errors — OK/);
  assert.match(r.out, /ok {3}dmabuf\.mmap .*\[kernel bug: mbochs-dmabuf-mmap-readonly-file\]/);
});

test("--no-quirks: the mbochs checks where the kernel has a named bug come out as the documented behaviour", async () => {
  const r = await cli(["conformance", "--driver", "mbochs", "--no-quirks", "--json"]);
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out) as { ok: boolean; reports: { results: { id: string; status: string }[] }[] };
  assert.equal(json.ok, true);
  const documented = json.reports[0]!.results.filter((x) => x.status === "documented").map((x) => x.id);
  assert.deepEqual(documented.sort(), ["dmabuf.mmap", "edid.discovery", "mbochs.vram-pread", "plane.enabled", "plane.mode-change"]);
  const quirky = Object.entries(mbochsProfile.expectations).filter(([, e]) => e.quirk).map(([id]) => id);
  assert.deepEqual(quirky.sort(), documented.sort(), "exactly the checks whose profile names a kernel bug");
});

test("a device that does not exist: exit 1 naming the path and errno; usage errors exit 2", async () => {
  const missing = await cli(["conformance", "--device", "/sys/bus/mdev/devices/00000000-0000-4000-8000-00000000abcd"]);
  assert.equal(missing.code, 1);
  assert.equal(missing.err, "vfio-display: stat /sys/bus/mdev/devices/00000000-0000-4000-8000-00000000abcd: ENOENT (no such mdev)\n");
  const both = await cli(["conformance", "--device", "x", "--driver", "mdpy"]);
  assert.equal(both.code, 2);
  assert.match(both.err, /--driver applies to the model/);
  const bad = await cli(["conformance", "--driver", "vga"]);
  assert.equal(bad.code, 2);
});

test("a device that behaves otherwise fails, with what was expected and observed in the report", () => {
  // An mdpy posing as mbochs: judged by the mbochs profile, its region planes cannot pass.
  const mdpy = modelTarget("mdpy");
  const impostor = { ...mdpy, driver: "mbochs" as const, open: () => mdpy.open() };
  const report = runSuite(impostor);
  assert.equal(report.ok, false);
  const failed = report.results.filter((r) => r.status === "fail").map((r) => r.id);
  assert.ok(failed.includes("query.probe") && failed.includes("device.info"), failed.join(", "));
  const text = formatReport(report);
  assert.match(text, /FAIL query\.probe/);
  assert.match(text, /expected \{"probe_dmabuf":0,"probe_region":"-EINVAL"\}/);
  assert.match(text, /observed \{"probe_dmabuf":"-EINVAL","probe_region":0\}/);
  assert.match(text, /NOT CONFORMANT$/);
  assert.equal(sameObservation({ a: 1, b: [1, "x"] }, { b: [1, "x"], a: 1 }), true, "key order does not matter");
});
