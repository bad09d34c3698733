/**
 * The conformance suite on a real Linux 6.1 kernel: build (or reuse the cached) kernel with the mbochs and
 * mdpy samples, boot it under QEMU, run the suite and the consumer end to end there through the native
 * backend, and hold the model to the same observations. Needs root and scripts/deps/kernel.list (the
 * test command installs both); the first run builds the kernel (about 4 minutes on 2 cores).
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { modelTarget, profileFor, runSuite, sameObservation, type DriverName } from "../../src/conformance/index.ts";
import { runConformanceVm, type VmRun } from "./vm/run-vm.ts";

let vm: VmRun;

before(async () => {
  vm = await runConformanceVm();
});

function suiteOf(driver: DriverName) {
  const s = vm.result.suites.find((r) => r.target.driver === driver);
  assert.ok(s, `no ${driver} suite came back; errors: ${vm.result.errors.join("; ")}`);
  return s;
}

test("the VM booted the cached 6.1 kernel, created both mdevs through sysfs and ran without errors", (t) => {
  t.diagnostic(`kernel ${vm.kernelDir} (${vm.kernelCached ? "cached" : "built now"}; build took ${vm.kernelBuildSeconds}s)`);
  t.diagnostic(`VM ${vm.vmSeconds.toFixed(1)}s wall, node in the guest ${vm.result.seconds}s`);
  assert.ok(vm.kernelDir.startsWith("/var/cache/vfio-display/") || !!process.env.VFIO_DISPLAY_CACHE, "cached outside the clone");
  assert.deepEqual(vm.result.errors, []);
  const types = vm.result.types.map((x) => `${x.parent}/${x.type}`);
  for (const want of ["mbochs/mbochs-medium", "mdpy/mdpy-xga"]) assert.ok(types.includes(want), `${want} in ${types.join(", ")}`);
  assert.match(vm.serial, /vm: node exited 0/);
});

for (const driver of ["mbochs", "mdpy"] as const) {
  test(`real ${driver}: every check of its profile runs and passes (bugs as the profile names them)`, (t) => {
    const suite = suiteOf(driver);
    const profile = profileFor(driver);
    assert.equal(suite.target.backend, "native");
    assert.deepEqual(
      suite.results.map((r) => r.id).sort(),
      Object.keys(profile.expectations).sort(),
      "every expectation was checked",
    );
    for (const r of suite.results) {
      assert.equal(r.status, "pass", `${r.id}: observed ${JSON.stringify(r.observed)} expected ${JSON.stringify(profile.expectations[r.id]!.value)} ${r.error ?? ""}`);
    }
    t.diagnostic(`${suite.results.length} checks passed on the real kernel`);
  });
}

test("real kernel end to end: guest → regions → plane → pixels on the Console, for mbochs and mdpy", (t) => {
  const byDriver = new Map(vm.result.endToEnd.map((e) => [e.driver, e]));
  const mbochs = byDriver.get("mbochs");
  const mdpy = byDriver.get("mdpy");
  assert.ok(mbochs && mdpy, "both end-to-end runs reported");
  assert.equal(mbochs.ok, true, mbochs.detail);
  assert.equal(mbochs.kind, "dmabuf");
  assert.deepEqual([mbochs.width, mbochs.height, mbochs.mismatches], [800, 600, 0]);
  // Linux 6.1's mbochs refuses every CPU mapping of its dma-bufs: the consumer must have read VRAM.
  assert.match(mbochs.via ?? "", /VRAM BAR/);
  assert.equal(mdpy.ok, true, mdpy.detail);
  assert.equal(mdpy.kind, "region");
  assert.deepEqual([mdpy.width, mdpy.height, mdpy.mismatches], [1024, 768, 0]);
  t.diagnostic(`mbochs: ${mbochs.pixelsChecked} pixels via ${mbochs.via}; mdpy: ${mdpy.pixelsChecked} pixels via ${mdpy.via}`);
});

for (const driver of ["mbochs", "mdpy"] as const) {
  test(`the model (with the kernel's quirks) observes exactly what the real ${driver} did, check by check`, () => {
    const real = suiteOf(driver);
    const model = runSuite(modelTarget(driver, { quirks: true }));
    const modelById = new Map(model.results.map((r) => [r.id, r]));
    const differences: string[] = [];
    for (const r of real.results) {
      const m = modelById.get(r.id);
      if (!m) differences.push(`${r.id}: not run on the model`);
      else if (!sameObservation(m.observed, r.observed)) differences.push(`${r.id}: kernel ${JSON.stringify(r.observed)} model ${JSON.stringify(m.observed)}`);
    }
    assert.deepEqual(differences, []);
    assert.equal(model.results.length, real.results.length);
  });
}
