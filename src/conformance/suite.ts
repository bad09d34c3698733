/**
 * The suite: every check, run in order against one target, each judged by the driver's profile. Checks a
 * profile has no expectation for are not applicable to that driver and are not run.
 */
import { abiChecks } from "./checks/abi-constants.ts";
import { deviceChecks } from "./checks/device.ts";
import { queryChecks } from "./checks/query.ts";
import { dmabufChecks } from "./checks/dmabuf.ts";
import { regionPlaneChecks } from "./checks/region-plane.ts";
import { edidChecks } from "./checks/edid.ts";
import { mbochsVramChecks } from "./checks/mbochs-vram.ts";
import type { Check, CheckContext, Observation } from "./check.ts";
import { profileFor, type Expectation } from "./profiles.ts";
import type { ConformanceTarget } from "./target.ts";

export const ALL_CHECKS: readonly Check[] = [
  ...abiChecks,
  ...deviceChecks,
  ...queryChecks,
  ...dmabufChecks,
  ...regionPlaneChecks,
  ...edidChecks,
  ...mbochsVramChecks,
];

/**
 * pass: as the profile expects (the real kernel's behaviour, bugs included);
 * documented: the documented behaviour where the kernel has a named bug (a model run without quirks);
 * fail: neither; error: the check threw.
 */
export type CheckStatus = "pass" | "documented" | "fail" | "error";

export interface CheckResult {
  id: string;
  title: string;
  ref: string;
  status: CheckStatus;
  observed: Observation;
  expected: Observation;
  /** the kernel bug this expectation reproduces, if any */
  quirk?: { name: string; documented: Observation; note: string };
  error?: string;
}

export interface SuiteReport {
  target: { driver: string; type: string; backend: string; description: string };
  results: CheckResult[];
  summary: { passed: number; documented: number; failed: number; errors: number; total: number };
  ok: boolean;
}

/** Structural equality of two observations (key order does not matter). */
export function sameObservation(a: Observation, b: Observation): boolean {
  return canonical(a) === canonical(b);
}

function canonical(o: Observation): string {
  if (o === null || typeof o !== "object") return JSON.stringify(o);
  if (Array.isArray(o)) return `[${o.map(canonical).join(",")}]`;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k]!)}`)
    .join(",")}}`;
}

function judge(observed: Observation, e: Expectation): CheckStatus {
  if (sameObservation(observed, e.value)) return "pass";
  if (e.quirk && sameObservation(observed, e.quirk.documented)) return "documented";
  return "fail";
}

export interface RunOptions {
  /** only the checks whose id starts with one of these */
  only?: readonly string[];
}

export function runSuite(target: ConformanceTarget, options: RunOptions = {}): SuiteReport {
  const profile = profileFor(target.driver);
  const opened = target.open();
  let modeCounter = 0;
  const ctx: CheckContext = {
    target,
    dev: opened.dev,
    guest: opened.guest,
    // Widths step by 16 pixels from 640 at 480 lines, so every mode is new to the driver (mbochs keys its
    // buffers by mode; GVT by surface address, which the guest allocates afresh).
    newMode: () => ({ width: 640 + 16 * modeCounter++, height: 480 }),
  };
  const results: CheckResult[] = [];
  try {
    for (const check of ALL_CHECKS) {
      const e = profile.expectations[check.id];
      if (!e) continue;
      if (options.only && !options.only.some((p) => check.id.startsWith(p))) continue;
      const base = { id: check.id, title: check.title, ref: check.ref, expected: e.value, ...(e.quirk ? { quirk: e.quirk } : {}) };
      try {
        const observed = check.run(ctx);
        results.push({ ...base, status: judge(observed, e), observed });
      } catch (err) {
        results.push({ ...base, status: "error", observed: null, error: (err as Error).stack ?? String(err) });
      }
    }
  } finally {
    opened.close();
  }
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  const summary = { passed: count("pass"), documented: count("documented"), failed: count("fail"), errors: count("error"), total: results.length };
  return {
    target: { driver: target.driver, type: target.type, backend: target.backend, description: target.description },
    results,
    summary,
    ok: summary.failed === 0 && summary.errors === 0,
  };
}
